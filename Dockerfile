# The bot's image: `docker build -t police-complaints-bot .` (compose.yaml builds it for you).
# Settings come from the environment (README.md "Configuration"); nothing secret is in the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pg_dump and pg_restore for `run_bot.py backup|restore` on PostgreSQL (Debian 12's client is 15,
# as the server in compose.yaml; a client must be at least as new as its server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# A user of its own: the bot never runs as root, and owns nothing but its data folder.
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin bot \
    && install -d -o bot -g bot -m 0700 /data /backups

WORKDIR /app
# Dependencies first (a layer that changes only with pyproject.toml), then the code.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY db ./db
COPY handlers ./handlers
COPY sandbox ./sandbox
COPY locales ./locales
COPY run_bot.py ./
RUN pip install . && python -m compileall -q /app && python run_bot.py --help > /dev/null

USER bot
# SQLite by default (one instance); compose.yaml sets DATABASE_URL=postgresql://… for several.
ENV DATABASE_URL=sqlite:////data/bot.sqlite3 \
    OPS_LISTEN=0.0.0.0:9100 \
    LOG_FORMAT=json
VOLUME ["/data"]
# 8443: the webhook server (WEBHOOK_LISTEN, behind the TLS proxy); 9100: /healthz, /readyz, /metrics.
EXPOSE 8443 9100

# "Can this instance store updates?" (bot/ops.py /readyz); /healthz is for monitoring.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:9100/readyz', timeout=4).status != 200)"]

# SIGTERM: the bot finishes what it is handling and stops (pending work stays in the database).
STOPSIGNAL SIGTERM
CMD ["python", "run_bot.py"]
