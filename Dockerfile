# One image for web, worker and beat (docker-compose.yml picks the command). The code runs from
# /app, as in a checkout; only the dependencies are installed into the image's Python, at the
# exact versions of requirements.lock. The image holds the product only: no tests, bench or dev tools.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app CLEARDAY_DATA_DIR=/app/var
WORKDIR /app
# Dependencies first, so that a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY manage.py ./
COPY core core
COPY config config
COPY accounts accounts
COPY scheduling scheduling
COPY notifications notifications
COPY care care
COPY telehealth telehealth
COPY checkins checkins
COPY api api
COPY web web
COPY audit audit
COPY locale locale
RUN python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --home-dir /app clearday \
    && mkdir -p /app/var && chown -R clearday /app/var
USER clearday
EXPOSE 8000
CMD ["gunicorn", "--config", "python:config.gunicorn", "config.wsgi:application"]
