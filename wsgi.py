from cocreate import create_app

app = create_app()
