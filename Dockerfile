# One image for web, worker and beat (docker-compose.yml picks the command). The code runs from
# /app, as in a checkout; only the dependencies are installed into the image's Python.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app CLEARDAY_DATA_DIR=/app/var
WORKDIR /app
# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt
COPY . .
RUN python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --home-dir /app clearday \
    && chown -R clearday /app/var
USER clearday
EXPOSE 8000
CMD ["gunicorn", "--config", "python:config.gunicorn", "config.wsgi:application"]
