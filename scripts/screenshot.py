"""Screenshots of pages of a running server:
python scripts/screenshot.py OUT.png URL [--width 1280] [--login EMAIL] [--lang nl-NL] [--no-js]"""

import argparse

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("url")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--login")
    parser.add_argument("--password", default="demo-password-2026")
    parser.add_argument("--no-js", action="store_true")
    parser.add_argument("--lang", default="en-GB", help="the browser's language (Accept-Language), e.g. nl-NL")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height},
                                java_script_enabled=not args.no_js, locale=args.lang)
        if args.login:
            base = args.url.split("/", 3)
            page.goto(f"{base[0]}//{base[2]}/login")
            page.fill("#email", args.login)
            page.fill("#password", args.password)
            page.click("main button[type=submit]")
        page.goto(args.url, wait_until="networkidle")  # lazy images and htmx requests too
        page.screenshot(path=args.out, full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
