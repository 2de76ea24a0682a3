"""Draw static/img/share.png, the picture link previews show (Open Graph, Twitter card).

Run again after the practice's name or the main service's title changes:
    .venv/bin/python manage.py make_share_image
It renders a small HTML card in Chromium (Playwright, a development dependency), so the picture
uses the site's colours and the same mark as the favicon.
"""

import html
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from services.models import Practice, Service

WIDTH, HEIGHT = 1200, 630

CARD = """<!DOCTYPE html>
<html lang="fi"><head><meta charset="utf-8"><style>
  html, body {{ margin: 0; width: {width}px; height: {height}px; }}
  body {{ display: flex; align-items: center; gap: 64px; padding: 0 96px; box-sizing: border-box;
         background: #163f3a; color: #fbf8f3; font-family: Georgia, serif; }}
  svg {{ flex: none; width: 200px; height: 200px; }}
  h1 {{ font-size: 76px; line-height: 1.1; margin: 0 0 28px; font-weight: 600; }}
  p {{ font: 600 40px/1.3 system-ui, sans-serif; margin: 0; color: #e4efec; }}
</style></head><body>
  <svg viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#1e5a53"/>
  <path d="M32 12 14 52h8l4-10h12l4 10h8L32 12Zm-3 23 3-8 3 8h-6Z" fill="#fbf8f3"/></svg>
  <div><h1>{name}</h1><p>{tagline}</p></div>
</body></html>"""


class Command(BaseCommand):
    help = "Draw static/img/share.png (the link preview picture) from the practice's details."

    def handle(self, *args, **options):
        from playwright.sync_api import sync_playwright

        practice = Practice.load()
        with translation.override(settings.LANGUAGE_CODE):
            service = Service.objects.get(is_main=True)
            tagline = f"{service.title} · {practice.city}"
        card = CARD.format(
            width=WIDTH,
            height=HEIGHT,
            name=html.escape(practice.name),
            tagline=html.escape(tagline),
        )
        target = Path(settings.BASE_DIR) / "static" / "img" / "share.png"
        chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.set_content(card)
            page.screenshot(path=target)
            browser.close()
        self.stdout.write(f"{target} ({target.stat().st_size} bytes)")
