# The Aventuria site: gunicorn serving Django, static files through whitenoise.
# Build: docker build -t aventuria .   Migrations are a separate release step (see compose.yaml).

FROM python:3.13-slim AS build

# gettext for compilemessages. Not pinned: Debian's security updates should come with a rebuild.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir uv==0.13.9

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /app
# The dependencies first, from the lock file: this layer is reused until uv.lock changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# The production settings need these three to load; the build never uses them.
RUN export DJANGO_SECRET_KEY=build-only DJANGO_SITE_URL=https://build.invalid EMAIL_URL=dummymail:// \
    && /app/.venv/bin/python manage.py compilemessages --ignore=.venv -v 0 \
    && /app/.venv/bin/python manage.py collectstatic --no-input -v 0


FROM python:3.13-slim

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_CACHE_DIR=/var/cache/aventuria \
    GUNICORN_BIND=0.0.0.0:8000 \
    GUNICORN_WORKERS=3 \
    GUNICORN_TIMEOUT=30

RUN groupadd --system --gid 10001 aventuria \
    && useradd --system --uid 10001 --gid aventuria --no-create-home --home-dir /app aventuria \
    && mkdir -p /var/cache/aventuria \
    && chown aventuria:aventuria /var/cache/aventuria

WORKDIR /app
# The code stays owned by root: the site's user can read it, not change it.
COPY --from=build /app /app

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "bin/healthcheck"]

CMD ["gunicorn", "aventuria.wsgi"]
