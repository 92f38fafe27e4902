import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DATABASES = {"default": {"PASSWORD": os.environ.get("DB_PASSWORD"), "HOST": "db"}}
API_TOKEN = os.getenv("API_TOKEN", "")
password_hash = "$2b$12$KIXQJ8lCk6jGm1pT3hB5TuC7v9W0x2YzAbCdEfGhIjKlMnOpQrStU"
TOKEN_URL = "https://auth.example.com/oauth/token"
