-- A recorder's poll in one statement: idem.record_poll checks that the
-- session holds the recorder lease, writes the poll's points and their
-- minutes' extremes (as 0004's writes did, from arrays instead of a VALUES
-- list a point) and records the alert rules' verdicts (fired, worst raised,
-- resolved: the same rules as the client applied over 0004's tables). A
-- poll was a round trip for the lease check, one for the points, one to read
-- the open alerts and one for each change; now it is one, planned once per
-- session (PL/pgSQL caches its statements' plans).
--
-- It runs with the caller's rights (idem_recorder's grants of 0004); the
-- tables' lease triggers still refuse any other session's writes.
--
-- Upgrades a 0004 database in place: only functions are added, no table
-- changes. Applied by the migrations runner (connectors/ops/migrations.h) in
-- one transaction; never edit this file once landed: add the next one.

-- Points: p_series, p_at (ms since the epoch) and p_value, of equal length
-- (finite values; the client skips the others). Verdicts: p_rule .. p_text,
-- of equal length, in the evaluator's order; NULL p_rule: not evaluated this
-- time (the open alerts are left alone). p_alert_value NULL: the verdict's
-- value is not finite. Returns held = false, and writes nothing, when this
-- session does not hold the recorder lease; else the points written and the
-- alerts fired and resolved.
CREATE FUNCTION idem.record_poll(
    p_series text[], p_at bigint[], p_value double precision[],
    p_rule text[] DEFAULT NULL, p_flow text[] DEFAULT NULL, p_subject text[] DEFAULT NULL,
    p_severity text[] DEFAULT NULL, p_active boolean[] DEFAULT NULL,
    p_alert_value double precision[] DEFAULT NULL, p_text text[] DEFAULT NULL,
    OUT held boolean, OUT written integer, OUT fired integer, OUT resolved integer)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_keys text[];
    v_ids bigint[];
    v_worst double precision[];
    v_resolve bigint[] := '{}';
    v_at integer;
BEGIN
    held := idem.holds_lease('recorder');
    written := 0;
    fired := 0;
    resolved := 0;
    IF NOT held THEN
        RETURN;
    END IF;
    IF coalesce(cardinality(p_series), 0) > 0 THEN
        IF cardinality(p_at) <> cardinality(p_series) OR cardinality(p_value) <> cardinality(p_series) THEN
            PERFORM idem.refuse('a poll''s points need as many times and values as series');
        END IF;
        WITH p (s, t, v) AS (SELECT * FROM unnest(p_series, p_at, p_value)),
        points AS (INSERT INTO idem.metric_point (series, at, value) SELECT s, to_timestamp(t / 1000.0), v FROM p)
        INSERT INTO idem.metric_minute (series, minute, lo, hi)
        SELECT s, date_trunc('minute', to_timestamp(t / 1000.0)), min(v), max(v) FROM p GROUP BY 1, 2
        ON CONFLICT (series, minute) DO UPDATE SET lo = least(metric_minute.lo, EXCLUDED.lo),
            hi = greatest(metric_minute.hi, EXCLUDED.hi);
        written := cardinality(p_series);
    END IF;
    IF p_rule IS NULL THEN
        RETURN;
    END IF;
    -- The open alerts as they were before this poll's verdicts, by "rule|flow|subject".
    SELECT array_agg(a.rule || '|' || a.flow || '|' || a.subject), array_agg(a.id), array_agg(a.worst)
    INTO v_keys, v_ids, v_worst
    FROM idem.alert a WHERE a.resolved_at IS NULL;
    FOR i IN 1 .. coalesce(cardinality(p_rule), 0) LOOP
        v_at := array_position(v_keys, p_rule[i] || '|' || p_flow[i] || '|' || p_subject[i]);
        IF p_active[i] AND v_at IS NULL THEN
            INSERT INTO idem.alert (rule, flow, subject, severity, fired_at, worst, text)
            VALUES (p_rule[i], p_flow[i], p_subject[i], p_severity[i], clock_timestamp(),
                    coalesce(p_alert_value[i], 0), p_text[i])
            ON CONFLICT (rule, flow, subject) WHERE resolved_at IS NULL DO NOTHING;
            fired := fired + 1;
        ELSIF p_active[i] AND p_alert_value[i] IS NOT NULL
              AND (v_worst[v_at] IS NULL OR v_worst[v_at] = 'NaN'::float8 OR p_alert_value[i] > v_worst[v_at]) THEN
            UPDATE idem.alert SET worst = p_alert_value[i], text = p_text[i] WHERE id = v_ids[v_at];
        ELSIF NOT p_active[i] AND v_at IS NOT NULL THEN
            v_resolve := v_resolve || v_ids[v_at];
        END IF;
    END LOOP;
    IF cardinality(v_resolve) > 0 THEN
        UPDATE idem.alert SET resolved_at = clock_timestamp() WHERE resolved_at IS NULL AND id = ANY (v_resolve);
        GET DIAGNOSTICS resolved = ROW_COUNT;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION idem.record_poll(text[], bigint[], double precision[], text[], text[], text[], text[],
                                        boolean[], double precision[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idem.record_poll(text[], bigint[], double precision[], text[], text[], text[], text[],
                                           boolean[], double precision[], text[])
    TO idem_viewer, idem_operator, idem_approver, idem_recorder;
