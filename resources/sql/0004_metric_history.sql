-- The team's shared memory of the figures, and the alerts every console sees
-- alike.
--
-- idem.metric_point holds every poll's figures (per flow, group and store,
-- named as the console's series: "flow/orders/lag"), written only by the
-- holder of the recorder lease (0002_lease.sql): a statement trigger refuses
-- every other session's writes, COPY included. It is partitioned by UTC day;
-- the holder creates the coming days' partitions and drops those older than
-- the retention through idem.metric_partitions, which only the holder may
-- call. Partitions belong to the migrations' owner: nobody writes them but
-- through idem.metric_point. idem.metric_minute keeps each series' minimum
-- and maximum per minute, written in the same statement as the points.
--
-- idem.alert: what the recorder's rules fired and resolved (one open alert
-- per rule, flow and subject); idem.alert_ack: acknowledgements, append-only,
-- made only through idem.acknowledge_alert, which records the login
-- (session_user), its Idem role and the time. Every fired, resolved or
-- acknowledged alert is announced on channel idem_alerts with
-- {"alert": id, "action": "fired" | "resolved" | "acknowledged"}.
--
-- Applied by the migrations runner (connectors/ops/migrations.h) in one
-- transaction; never edit this file once landed: add the next one.

CREATE TABLE idem.metric_point (
    series text NOT NULL,
    at timestamptz NOT NULL,
    value double precision NOT NULL
) PARTITION BY RANGE (at);
-- Charts read one series over a time range; the value rides along so a long
-- range is read from the index alone.
CREATE INDEX metric_point_series_at ON idem.metric_point (series, at) INCLUDE (value);
CREATE TRIGGER metric_point_lease BEFORE INSERT OR UPDATE OR DELETE ON idem.metric_point
    FOR EACH STATEMENT EXECUTE FUNCTION idem.require_lease('recorder');

-- The minimum and maximum of each series per minute, kept beside the points
-- by the same writes: what long ranges and the older part of a console's
-- day are read from (a day is 1 440 rows a series, whatever the poll interval).
CREATE TABLE idem.metric_minute (
    series text NOT NULL,
    minute timestamptz NOT NULL,
    lo double precision NOT NULL,
    hi double precision NOT NULL,
    PRIMARY KEY (series, minute)
);
CREATE INDEX metric_minute_minute ON idem.metric_minute (minute);
CREATE TRIGGER metric_minute_lease BEFORE INSERT OR UPDATE OR DELETE ON idem.metric_minute
    FOR EACH STATEMENT EXECUTE FUNCTION idem.require_lease('recorder');

-- Creates the day partitions from the older of yesterday and `p_oldest` (when
-- within the retention) to two days ahead, and drops those wholly older than
-- `p_keep_days` days. Only the recorder lease's holder may. Returns the
-- number of partitions dropped.
CREATE FUNCTION idem.metric_partitions(p_keep_days integer, p_oldest timestamptz DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_today date := (clock_timestamp() AT TIME ZONE 'UTC')::date;
    v_first date;
    v_day date;
    v_name text;
    v_dropped integer := 0;
    r record;
BEGIN
    PERFORM idem.require_role('idem_viewer', 'idem_operator', 'idem_approver', 'idem_recorder');
    IF NOT idem.holds_lease('recorder') THEN
        RAISE EXCEPTION '% may not manage the history''s partitions: this session does not hold the recorder lease',
            session_user USING ERRCODE = '42501';
    END IF;
    IF p_keep_days IS NULL OR p_keep_days < 1 OR p_keep_days > 3660 THEN
        PERFORM idem.refuse(format('the history is kept from 1 to 3660 days, not %s', coalesce(p_keep_days::text, 'null')));
    END IF;
    v_first := greatest(least(v_today - 1, coalesce((p_oldest AT TIME ZONE 'UTC')::date, v_today - 1)),
                        v_today - p_keep_days);
    v_day := v_first;
    WHILE v_day <= v_today + 2 LOOP
        v_name := 'metric_point_' || to_char(v_day, 'YYYYMMDD');
        IF to_regclass('idem.' || v_name) IS NULL THEN
            EXECUTE format('CREATE TABLE idem.%I PARTITION OF idem.metric_point FOR VALUES FROM (%L) TO (%L)',
                           v_name, v_day::timestamp AT TIME ZONE 'UTC', (v_day + 1)::timestamp AT TIME ZONE 'UTC');
        END IF;
        v_day := v_day + 1;
    END LOOP;
    FOR r IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'idem.metric_point'::regclass AND c.relname ~ '^metric_point_[0-9]{8}$'
          AND to_date(substr(c.relname, 14), 'YYYYMMDD') < v_today - p_keep_days
    LOOP
        EXECUTE format('DROP TABLE idem.%I', r.relname);
        v_dropped := v_dropped + 1;
    END LOOP;
    DELETE FROM idem.metric_minute WHERE minute < (v_today - p_keep_days)::timestamp AT TIME ZONE 'UTC';
    RETURN v_dropped;
END
$$;

CREATE TABLE idem.alert (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule text NOT NULL,         -- lag_status, threshold, rising
    flow text NOT NULL,
    subject text NOT NULL,      -- the group, figure or store the rule watched
    severity text NOT NULL CHECK (severity IN ('warning', 'critical')),
    fired_at timestamptz NOT NULL,
    resolved_at timestamptz,
    worst double precision,     -- the worst value while open
    text text NOT NULL,
    CHECK (resolved_at IS NULL OR resolved_at >= fired_at)
);
CREATE UNIQUE INDEX alert_open ON idem.alert (rule, flow, subject) WHERE resolved_at IS NULL;
CREATE INDEX alert_fired ON idem.alert (fired_at);
CREATE TRIGGER alert_lease BEFORE INSERT OR UPDATE OR DELETE ON idem.alert
    FOR EACH STATEMENT EXECUTE FUNCTION idem.require_lease('recorder');

CREATE FUNCTION idem.notify_alert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_notify('idem_alerts', json_build_object('alert', NEW.id, 'action',
        CASE WHEN TG_OP = 'INSERT' THEN 'fired' ELSE 'resolved' END)::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER alert_notify_fired AFTER INSERT ON idem.alert FOR EACH ROW EXECUTE FUNCTION idem.notify_alert();
CREATE TRIGGER alert_notify_resolved AFTER UPDATE ON idem.alert
    FOR EACH ROW WHEN (OLD.resolved_at IS NULL AND NEW.resolved_at IS NOT NULL)
    EXECUTE FUNCTION idem.notify_alert();

CREATE TABLE idem.alert_ack (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert bigint NOT NULL REFERENCES idem.alert (id),
    acked_by name NOT NULL,
    role text NOT NULL,
    at timestamptz NOT NULL,
    comment text NOT NULL
);
CREATE INDEX alert_ack_alert ON idem.alert_ack (alert);

CREATE FUNCTION idem.alert_ack_refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'acknowledgements are append-only: % is refused for every role, its owner included', TG_OP
        USING ERRCODE = 'IR001';
END
$$;
CREATE TRIGGER alert_ack_no_update BEFORE UPDATE OR DELETE ON idem.alert_ack
    FOR EACH ROW EXECUTE FUNCTION idem.alert_ack_refuse_change();
CREATE TRIGGER alert_ack_no_truncate BEFORE TRUNCATE ON idem.alert_ack
    FOR EACH STATEMENT EXECUTE FUNCTION idem.alert_ack_refuse_change();

-- The caller's strongest Idem role, from the login: approver, operator, viewer.
CREATE FUNCTION idem.idem_role() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN pg_has_role(session_user, 'idem_approver', 'MEMBER') THEN 'approver'
        WHEN pg_has_role(session_user, 'idem_operator', 'MEMBER') THEN 'operator'
        WHEN pg_has_role(session_user, 'idem_viewer', 'MEMBER') THEN 'viewer'
        ELSE 'none' END
$$;

-- Acknowledges an alert, open or past, with a comment. Returns the
-- acknowledgement's id.
CREATE FUNCTION idem.acknowledge_alert(p_alert bigint, p_comment text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM idem.require_role('idem_viewer', 'idem_operator', 'idem_approver');
    IF coalesce(btrim(p_comment), '') = '' THEN
        PERFORM idem.refuse('an acknowledgement needs a comment saying what is being done');
    END IF;
    IF length(p_comment) > 2000 THEN
        PERFORM idem.refuse(format('an acknowledgement''s comment is at most 2000 characters, not %s', length(p_comment)));
    END IF;
    IF NOT EXISTS (SELECT FROM idem.alert WHERE id = p_alert) THEN
        PERFORM idem.refuse(format('there is no alert %s', p_alert));
    END IF;
    INSERT INTO idem.alert_ack (alert, acked_by, role, at, comment)
    VALUES (p_alert, session_user, idem.idem_role(), clock_timestamp(), p_comment)
    RETURNING id INTO v_id;
    PERFORM pg_notify('idem_alerts', json_build_object('alert', p_alert, 'action', 'acknowledged')::text);
    RETURN v_id;
END
$$;

GRANT SELECT, INSERT ON idem.metric_point TO idem_recorder;
GRANT SELECT, INSERT, UPDATE ON idem.metric_minute TO idem_recorder;
GRANT SELECT ON idem.metric_point, idem.metric_minute TO idem_viewer, idem_operator, idem_approver;
GRANT SELECT, INSERT, UPDATE ON idem.alert TO idem_recorder;
GRANT SELECT ON idem.alert, idem.alert_ack TO idem_viewer, idem_operator, idem_approver, idem_recorder;
REVOKE ALL ON FUNCTION idem.metric_partitions(integer, timestamptz), idem.acknowledge_alert(bigint, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idem.metric_partitions(integer, timestamptz)
    TO idem_viewer, idem_operator, idem_approver, idem_recorder;
GRANT EXECUTE ON FUNCTION idem.acknowledge_alert(bigint, text), idem.idem_role()
    TO idem_viewer, idem_operator, idem_approver;
