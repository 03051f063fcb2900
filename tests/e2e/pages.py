"""The main pages, for the accessibility and HTML checks: (name, path, who is logged in)."""


def main_pages(sample: dict) -> list[tuple[str, str, str | None]]:
    product, idea = sample["product"], sample["idea"]
    return [
        ("home", "/", None),
        ("products", "/products", None),
        ("product", f"/p/{product}", None),
        ("ideas list", f"/p/{product}/ideas", sample["customer"]),
        ("idea", f"/p/{product}/ideas/{idea}", sample["customer"]),
        ("new idea form", f"/p/{product}/ideas/new", sample["customer"]),
        ("board", "/board", None),
        ("maturity page", f"/p/{product}/maturity", None),
        ("rating form", f"/p/{product}/rate", sample["customer"]),
        ("login", "/login", None),
        ("signup", "/signup", None),
        ("profile", "/profile", sample["customer"]),
        ("company page", f"/c/{sample['company']}", sample["owner"]),
        ("images page", f"/p/{product}/images", sample["owner"]),
    ]


PAGE_NAMES = ["home", "products", "product", "ideas list", "idea", "new idea form", "board", "maturity page",
              "rating form", "login", "signup", "profile", "company page", "images page"]
