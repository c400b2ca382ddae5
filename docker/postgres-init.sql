-- docker-compose.yml mounts this into the postgres image's /docker-entrypoint-initdb.d/: it runs
-- once, as the image's superuser, when the data volume is empty. Two roles (README, Database roles):
-- clearday_owner owns the database and its tables and runs the migrations (the compose `migrate`
-- service); clearday_app is what web, worker and beat connect as. It owns nothing, so it cannot
-- disable or drop the audit log's trigger, and `migrate` grants it INSERT and SELECT only on the
-- audit log. Neither is a superuser. The passwords are for this local compose only.
CREATE ROLE clearday_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'clearday_owner';
CREATE ROLE clearday_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'clearday_app';
CREATE DATABASE clearday OWNER clearday_owner;
