# One image for every role: python -m bot [all|web|worker|migrate].
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 bot \
    && mkdir -p /var/lib/crm-sync-bot && chown bot /var/lib/crm-sync-bot
COPY --from=build /install /usr/local
# The working directory holds the SQLite file and the development key when nothing else is
# configured; mount a volume here to keep them.
WORKDIR /var/lib/crm-sync-bot
USER bot
ENV HOST=0.0.0.0 PORT=3000 PYTHONUNBUFFERED=1
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"
ENTRYPOINT ["python", "-m", "bot"]
CMD ["all"]
