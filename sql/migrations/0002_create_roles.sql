-- Least-privilege roles. janitor writes results as janitor_agent and reads
-- them as janitor_reader; only migrations run as the admin (owner).
-- Roles are cluster-wide, so they are created only when missing; their
-- passwords are set outside migrations (from Secrets Manager on AWS).

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'janitor_agent') THEN
        CREATE ROLE janitor_agent LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'janitor_reader') THEN
        CREATE ROLE janitor_reader LOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO janitor_agent, janitor_reader;

-- The agent inserts results, completes runs, and checks that a run exists.
GRANT INSERT ON validation_runs, repository_validations, validation_reports TO janitor_agent;
GRANT SELECT, UPDATE ON validation_runs TO janitor_agent;
-- INSERT ... RETURNING id, and ON CONFLICT on the idempotency key, need
-- these columns and no others.
GRANT SELECT (id, validation_uuid) ON repository_validations TO janitor_agent;

-- The reader reads everything, including the view and the migration record.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO janitor_reader;

-- Tables added by later migrations are readable by the reader too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO janitor_reader;
