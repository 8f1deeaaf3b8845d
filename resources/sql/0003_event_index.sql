-- The event index: event_id -> topic, partition, offset, time of every
-- message on the flows' source, retry and dead-letter topics, so a trace
-- finds an event without scanning (DESIGN.md §5). Fed by one tailer at a
-- time: whoever holds the "index" lease (0002_lease.sql); its writes are
-- refused to any other session by the lease's statement trigger.
--
-- - idem.event_index is partitioned by day (UTC) on the message's time; the
--   holder creates the days it writes to (idem.event_index_prepare) and drops
--   whole days past retention (idem.event_index_expire), through SECURITY
--   DEFINER functions that need the lease, since only the table's owner may
--   attach or drop partitions.
-- - idem.event_index_position holds, per partition, the next offset to read
--   and what the index covers (from–to offsets and times). The tailer writes
--   a batch's rows and the new position in one transaction, so each message
--   is indexed once, across takeovers too.
--
-- Applied by the migrations runner (connectors/ops/migrations.h) in one
-- transaction; never edit this file once landed: add the next one.

CREATE TABLE idem.event_index (
    event_id text NOT NULL,
    topic text NOT NULL,
    partition_id integer NOT NULL,
    message_offset bigint NOT NULL,
    message_time timestamptz NOT NULL, -- the record's timestamp (the time it was indexed when it had none)
    flow text
) PARTITION BY RANGE (message_time);
CREATE INDEX event_index_event_id ON idem.event_index (event_id);

CREATE TABLE idem.event_index_position (
    topic text NOT NULL,
    partition_id integer NOT NULL,
    flow text,
    next_offset bigint NOT NULL,        -- the next offset to read
    first_offset bigint NOT NULL,       -- coverage: [first_offset, next_offset) has been read
    first_time timestamptz,             -- the oldest record time still covered
    last_time timestamptz,              -- the newest record time read
    indexed bigint NOT NULL DEFAULT 0,  -- rows written
    unreadable bigint NOT NULL DEFAULT 0, -- records read whose event_id could not be read
    too_old bigint NOT NULL DEFAULT 0,  -- records read that were already past the index's retention
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (topic, partition_id)
);

CREATE TRIGGER event_index_lease BEFORE INSERT OR UPDATE OR DELETE ON idem.event_index
    FOR EACH STATEMENT EXECUTE FUNCTION idem.require_lease('index');
CREATE TRIGGER event_index_position_lease BEFORE INSERT OR UPDATE OR DELETE ON idem.event_index_position
    FOR EACH STATEMENT EXECUTE FUNCTION idem.require_lease('index');

-- The day partitions that exist, oldest first.
CREATE FUNCTION idem.event_index_days() RETURNS SETOF date
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT to_date(substring(c.relname FROM '^event_index_d([0-9]{8})$'), 'YYYYMMDD') AS day
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'idem.event_index'::regclass
      AND c.relname ~ '^event_index_d[0-9]{8}$'
    ORDER BY 1
$$;

-- Creates the day partitions from p_from to p_to (UTC days, both included)
-- that do not exist yet; at most 62 days at once. Returns how many it created.
CREATE FUNCTION idem.event_index_prepare(p_from date, p_to date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d date;
    made integer := 0;
BEGIN
    IF NOT idem.holds_lease('index') THEN
        RAISE EXCEPTION '% may not create event index partitions: this session does not hold the index lease',
            session_user USING ERRCODE = '42501';
    END IF;
    IF p_from IS NULL OR p_to IS NULL OR p_to < p_from OR p_to - p_from > 61 THEN
        RAISE EXCEPTION 'event index days % to %: give at most 62 days, the first not after the last', p_from, p_to
            USING ERRCODE = '22023';
    END IF;
    d := p_from;
    WHILE d <= p_to LOOP
        IF NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'idem' AND c.relname = 'event_index_d' || to_char(d, 'YYYYMMDD')) THEN
            EXECUTE format('CREATE TABLE idem.%I PARTITION OF idem.event_index FOR VALUES FROM (%L) TO (%L)',
                           'event_index_d' || to_char(d, 'YYYYMMDD'),
                           to_char(d, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(d + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
            made := made + 1;
        END IF;
        d := d + 1;
    END LOOP;
    RETURN made;
END
$$;

-- Drops the day partitions wholly older than p_keep_days days before now
-- and moves each partition's coverage start past them. Returns how many it dropped.
CREATE FUNCTION idem.event_index_expire(p_keep_days integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cutoff timestamptz;
    d date;
    dropped integer := 0;
BEGIN
    IF NOT idem.holds_lease('index') THEN
        RAISE EXCEPTION '% may not drop event index partitions: this session does not hold the index lease',
            session_user USING ERRCODE = '42501';
    END IF;
    IF p_keep_days IS NULL OR p_keep_days < 1 OR p_keep_days > 3650 THEN
        RAISE EXCEPTION 'the event index keeps 1 to 3650 days, not %', p_keep_days USING ERRCODE = '22023';
    END IF;
    cutoff := clock_timestamp() - make_interval(days => p_keep_days);
    FOR d IN SELECT day FROM idem.event_index_days() AS day LOOP
        EXIT WHEN (d + 1)::timestamp AT TIME ZONE 'UTC' > cutoff;
        EXECUTE format('DROP TABLE idem.%I', 'event_index_d' || to_char(d, 'YYYYMMDD'));
        dropped := dropped + 1;
    END LOOP;
    IF dropped > 0 THEN
        -- Each partition's coverage now starts at its oldest row left: the
        -- days left are read oldest first, each only for the partitions not
        -- placed yet (usually the oldest day places them all).
        FOR d IN SELECT day FROM idem.event_index_days() AS day LOOP
            EXIT WHEN NOT EXISTS (SELECT FROM idem.event_index_position WHERE first_time < cutoff);
            UPDATE idem.event_index_position p
            SET first_offset = m.first_offset, first_time = m.first_time
            FROM (SELECT e.topic, e.partition_id, min(e.message_offset) AS first_offset,
                         min(e.message_time) AS first_time
                  FROM idem.event_index e
                  WHERE e.message_time >= d::timestamp AT TIME ZONE 'UTC'
                    AND e.message_time < (d + 1)::timestamp AT TIME ZONE 'UTC'
                  GROUP BY e.topic, e.partition_id) m
            WHERE p.topic = m.topic AND p.partition_id = m.partition_id AND p.first_time < cutoff;
        END LOOP;
        -- Nothing of theirs is left: their coverage is empty until the next record.
        UPDATE idem.event_index_position SET first_offset = next_offset, first_time = NULL
        WHERE first_time < cutoff;
    END IF;
    RETURN dropped;
END
$$;

-- Where an event_id was seen, newest first (bounded).
CREATE FUNCTION idem.event_index_lookup(p_event_id text)
RETURNS TABLE (topic text, partition_id integer, message_offset bigint, message_time timestamptz, flow text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.topic, e.partition_id, e.message_offset, e.message_time, e.flow
    FROM idem.event_index e
    WHERE e.event_id = p_event_id
    ORDER BY e.message_time DESC, e.topic, e.partition_id, e.message_offset
    LIMIT 1000
$$;

REVOKE ALL ON FUNCTION idem.event_index_prepare(date, date), idem.event_index_expire(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idem.event_index_prepare(date, date), idem.event_index_expire(integer)
    TO idem_recorder;
GRANT EXECUTE ON FUNCTION idem.event_index_days(), idem.event_index_lookup(text)
    TO idem_viewer, idem_operator, idem_approver, idem_recorder;
GRANT SELECT, INSERT ON idem.event_index TO idem_recorder;
GRANT SELECT, INSERT, UPDATE ON idem.event_index_position TO idem_recorder;
GRANT SELECT ON idem.event_index, idem.event_index_position TO idem_viewer, idem_operator, idem_approver;
