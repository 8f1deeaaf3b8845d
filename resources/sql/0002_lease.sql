-- The ops database's lease: one writer at a time for each duty that must have
-- exactly one (the event index's tailer, the metric history's recorder).
--
-- A duty is held by whoever holds its session advisory lock
-- pg_advisory_lock(20511, key): whichever open console or idemctl service got
-- it first. The server releases it when that session ends (a closed console,
-- a killed process, a lost connection), and the next contender takes it on
-- its next try. idem.lease records who holds each duty (shown to people);
-- the lock itself is the truth, so a stale row is recognised by its holder
-- no longer holding the lock.
--
-- The writes a duty makes are enforced here, not by the clients: a table
-- written under a duty gets a statement trigger
--   CREATE TRIGGER ... BEFORE INSERT OR UPDATE OR DELETE ON idem.<table>
--       FOR EACH STATEMENT EXECUTE FUNCTION idem.require_lease('<duty>');
-- (COPY fires it too), so a session that lost its lock cannot write, even
-- one statement. Writers are members of idem_recorder, which every console
-- role is.
--
-- Applied by the migrations runner (connectors/ops/migrations.h) in one
-- transaction; never edit this file once landed: add the next one.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'idem_recorder') THEN
        CREATE ROLE idem_recorder NOLOGIN;
    END IF;
END
$roles$;
GRANT idem_recorder TO idem_viewer, idem_operator, idem_approver;
GRANT USAGE ON SCHEMA idem TO idem_recorder;

CREATE TABLE idem.lease (
    duty text PRIMARY KEY CHECK (duty IN ('index', 'recorder')),
    holder text NOT NULL,       -- e.g. "idem console on desk-7 (pid 4242)"
    holder_role name NOT NULL,  -- the login that holds it
    backend_pid integer NOT NULL,
    acquired_at timestamptz NOT NULL,
    renewed_at timestamptz NOT NULL
);

-- The advisory lock's second key for a duty (the first is 20511).
CREATE FUNCTION idem.lease_key(p_duty text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    CASE p_duty
        WHEN 'index' THEN RETURN 1;
        WHEN 'recorder' THEN RETURN 2;
        ELSE RAISE EXCEPTION 'unknown lease duty "%": the duties are index and recorder', p_duty
            USING ERRCODE = '22023';
    END CASE;
END
$$;

-- Whether the session `p_pid` (default: this one) holds the duty's lock.
CREATE FUNCTION idem.holds_lease(p_duty text, p_pid integer DEFAULT pg_backend_pid()) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (
        SELECT FROM pg_locks
        WHERE locktype = 'advisory' AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid = 20511 AND objid = idem.lease_key(p_duty) AND objsubid = 2
          AND pid = p_pid)
$$;

-- Takes the duty when nobody holds it, renews it when this session does.
-- Returns whether this session holds it afterwards.
CREATE FUNCTION idem.lease_acquire(p_duty text, p_holder text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM idem.require_role('idem_viewer', 'idem_operator', 'idem_approver', 'idem_recorder');
    IF coalesce(btrim(p_holder), '') = '' THEN
        PERFORM idem.refuse('a lease holder needs a name');
    END IF;
    IF idem.holds_lease(p_duty) THEN
        UPDATE idem.lease SET renewed_at = clock_timestamp(), holder = left(p_holder, 200)
        WHERE duty = p_duty AND backend_pid = pg_backend_pid();
        IF NOT FOUND THEN
            INSERT INTO idem.lease VALUES (p_duty, left(p_holder, 200), session_user, pg_backend_pid(),
                                           clock_timestamp(), clock_timestamp())
            ON CONFLICT (duty) DO UPDATE SET holder = EXCLUDED.holder, holder_role = EXCLUDED.holder_role,
                backend_pid = EXCLUDED.backend_pid, acquired_at = EXCLUDED.acquired_at,
                renewed_at = EXCLUDED.renewed_at;
        END IF;
        RETURN true;
    END IF;
    IF NOT pg_try_advisory_lock(20511, idem.lease_key(p_duty)) THEN
        RETURN false;
    END IF;
    INSERT INTO idem.lease VALUES (p_duty, left(p_holder, 200), session_user, pg_backend_pid(),
                                   clock_timestamp(), clock_timestamp())
    ON CONFLICT (duty) DO UPDATE SET holder = EXCLUDED.holder, holder_role = EXCLUDED.holder_role,
        backend_pid = EXCLUDED.backend_pid, acquired_at = EXCLUDED.acquired_at,
        renewed_at = EXCLUDED.renewed_at;
    RETURN true;
END
$$;

-- Gives the duty up (a no-op when this session does not hold it).
CREATE FUNCTION idem.lease_release(p_duty text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF idem.holds_lease(p_duty) THEN
        DELETE FROM idem.lease WHERE duty = p_duty AND backend_pid = pg_backend_pid();
        PERFORM pg_advisory_unlock(20511, idem.lease_key(p_duty));
    END IF;
END
$$;

-- Statement trigger for tables written under a duty: TG_ARGV[0] is the duty.
CREATE FUNCTION idem.require_lease() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT idem.holds_lease(TG_ARGV[0]) THEN
        RAISE EXCEPTION '% may not write %.%: this session does not hold the % lease', session_user,
            TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = '42501';
    END IF;
    RETURN NULL;
END
$$;

-- Who holds each duty now: a row whose session no longer holds the lock is
-- shown as not alive (its holder went away; the next contender takes over).
CREATE VIEW idem.lease_holder AS
    SELECT l.duty, l.holder, l.holder_role, l.backend_pid, l.acquired_at, l.renewed_at,
           idem.holds_lease(l.duty, l.backend_pid) AS alive
    FROM idem.lease l;

REVOKE ALL ON FUNCTION idem.lease_acquire(text, text), idem.lease_release(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idem.lease_acquire(text, text), idem.lease_release(text),
    idem.holds_lease(text, integer), idem.lease_key(text)
    TO idem_viewer, idem_operator, idem_approver, idem_recorder;
GRANT SELECT ON idem.lease, idem.lease_holder TO idem_viewer, idem_operator, idem_approver, idem_recorder;
