-- Four-eyes replays: requests, their items, decisions, executions and the
-- append-only, hash-chained audit log.
--
-- Rules live here, not in the clients: every person connects as their own
-- login role, a member of idem_viewer, idem_operator or idem_approver; no role
-- may write a table directly; every change goes through a SECURITY DEFINER
-- function with a fixed search_path that checks session_user (the login, not
-- a role set with SET ROLE) and raises SQLSTATE 42501 (a role is missing) or
-- IR001 (a rule refuses) with the reason. Every change notifies channel
-- idem_replays with {"request": id, "status": ..., "action": ...}.
--
-- Applied by the migrations runner (connectors/ops/migrations.h) in one
-- transaction; never edit this file once landed: add the next one.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'idem_viewer') THEN
        CREATE ROLE idem_viewer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'idem_operator') THEN
        CREATE ROLE idem_operator NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'idem_approver') THEN
        CREATE ROLE idem_approver NOLOGIN;
    END IF;
END
$roles$;

REVOKE ALL ON SCHEMA idem FROM PUBLIC;
GRANT USAGE ON SCHEMA idem TO idem_viewer, idem_operator, idem_approver;

CREATE TABLE idem.replay_request (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flow text NOT NULL,
    reason text NOT NULL,
    target_topic text, -- overrides every item's original topic when set
    requested_by name NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN
        ('pending', 'approved', 'rejected', 'expired', 'executing', 'done', 'failed', 'cancelled')),
    items_hash text NOT NULL,
    item_count integer NOT NULL,
    override_processed boolean NOT NULL DEFAULT false, -- send items the dry run found processed
    approved_by name,
    approved_at timestamptz,
    executor name,
    claimed_at timestamptz,
    finished_at timestamptz,
    detail text
);
CREATE INDEX replay_request_status ON idem.replay_request (status, requested_at);

CREATE TABLE idem.replay_item (
    request bigint NOT NULL REFERENCES idem.replay_request (id),
    item integer NOT NULL,
    dlq_topic text NOT NULL,
    dlq_partition integer NOT NULL,
    dlq_offset bigint NOT NULL,
    event_id text NOT NULL,
    target_topic text NOT NULL,
    key bytea,
    payload_hash text NOT NULL, -- sha256 hex of the dead letter's value ('' for a tombstone)
    dry_run text NOT NULL DEFAULT 'send' CHECK (dry_run IN ('send', 'skip')),
    dry_run_reason text,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'skipped', 'sent', 'confirmed', 'failed')),
    produced_partition integer,
    produced_offset bigint,
    detail text,
    PRIMARY KEY (request, item),
    UNIQUE (request, dlq_topic, dlq_partition, dlq_offset)
);

CREATE TABLE idem.decision (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request bigint NOT NULL REFERENCES idem.replay_request (id),
    decided_by name NOT NULL,
    decision text NOT NULL CHECK (decision IN ('approved', 'rejected')),
    comment text,
    items_hash text NOT NULL,
    override_processed boolean NOT NULL DEFAULT false,
    at timestamptz NOT NULL DEFAULT now()
);

-- One row per claim: who executes, and the high watermark of every partition
-- of the target topics when the first claim was made (where a resumed run
-- looks for the provenance headers of items in an uncertain state).
CREATE TABLE idem.execution (
    request bigint NOT NULL REFERENCES idem.replay_request (id),
    attempt integer NOT NULL,
    executor name NOT NULL,
    backend_pid integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    watermarks jsonb NOT NULL,
    PRIMARY KEY (request, attempt)
);

CREATE SEQUENCE idem.audit_seq;
CREATE TABLE idem.audit_log (
    id bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    actor name NOT NULL,
    action text NOT NULL,
    request bigint,
    detail jsonb NOT NULL DEFAULT '{}',
    prev_hash text NOT NULL,
    row_hash text NOT NULL
);

-- The sha256 of a row's content and of the previous row's hash, hex.
CREATE FUNCTION idem.audit_hash(p_id bigint, p_at timestamptz, p_actor name, p_action text, p_request bigint,
                                p_detail jsonb, p_prev text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to(concat_ws('|', p_id::text, extract(epoch FROM p_at)::text, p_actor::text,
                                              p_action, coalesce(p_request::text, ''), p_detail::text, p_prev),
                                    'UTF8')), 'hex')
$$;

-- Every inserted row is numbered and chained under one lock, whoever inserts
-- it: its id, time and hashes are the database's, not the caller's.
CREATE FUNCTION idem.audit_chain() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_prev text;
BEGIN
    PERFORM pg_advisory_xact_lock(20511, 1);
    SELECT row_hash INTO v_prev FROM idem.audit_log ORDER BY id DESC LIMIT 1;
    NEW.id := nextval('idem.audit_seq');
    NEW.at := clock_timestamp();
    NEW.prev_hash := coalesce(v_prev, repeat('0', 64));
    NEW.row_hash := idem.audit_hash(NEW.id, NEW.at, NEW.actor, NEW.action, NEW.request, NEW.detail, NEW.prev_hash);
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON idem.audit_log FOR EACH ROW EXECUTE FUNCTION idem.audit_chain();

CREATE FUNCTION idem.audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is refused for every role, its owner included', TG_OP
        USING ERRCODE = 'IR001';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON idem.audit_log
    FOR EACH ROW EXECUTE FUNCTION idem.audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON idem.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION idem.audit_refuse_change();

CREATE FUNCTION idem.audit(p_action text, p_request bigint, p_detail jsonb) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO idem.audit_log (id, at, actor, action, request, detail, prev_hash, row_hash)
    VALUES (0, now(), session_user, p_action, p_request, coalesce(p_detail, '{}'::jsonb), '', '')
$$;

-- Every change to a request is announced to every listening console.
CREATE FUNCTION idem.notify_request() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_notify('idem_replays', json_build_object('request', NEW.id, 'status', NEW.status,
                                                        'action', lower(TG_OP))::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER replay_request_notify AFTER INSERT OR UPDATE ON idem.replay_request
    FOR EACH ROW EXECUTE FUNCTION idem.notify_request();

-- The caller's roles, from the login (session_user), never from SET ROLE.
CREATE FUNCTION idem.require_role(VARIADIC p_roles text[]) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY p_roles LOOP
        IF pg_has_role(session_user, r, 'MEMBER') THEN
            RETURN;
        END IF;
    END LOOP;
    RAISE EXCEPTION '% may not do this: it needs role %', session_user, array_to_string(p_roles, ' or ')
        USING ERRCODE = '42501';
END
$$;

CREATE FUNCTION idem.refuse(p_message text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '%', p_message USING ERRCODE = 'IR001';
END
$$;

-- What an approver reviews: the items in order, hashed.
CREATE FUNCTION idem.items_hash(p_request bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to(coalesce(string_agg(
               concat_ws('|', i.dlq_topic, i.dlq_partition::text, i.dlq_offset::text, i.event_id, i.target_topic,
                         coalesce(encode(i.key, 'hex'), '-'), i.payload_hash),
               E'\n' ORDER BY i.item), ''), 'UTF8')), 'hex')
    FROM idem.replay_item i WHERE i.request = p_request
$$;

CREATE FUNCTION idem.load_request(p_request bigint) RETURNS idem.replay_request
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r idem.replay_request;
BEGIN
    SELECT * INTO r FROM idem.replay_request WHERE id = p_request FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no replay request %', p_request USING ERRCODE = 'IR002';
    END IF;
    RETURN r;
END
$$;

-- The items of a request, numbered in the order given: [{dlq_topic,
-- dlq_partition, dlq_offset, event_id, target_topic, key (base64, null for
-- a null key), payload_hash, dry_run ('send'|'skip'), dry_run_reason}];
-- p_target_topic, when set, replaces every item's target topic.
CREATE FUNCTION idem.insert_items(p_request bigint, p_target_topic text, p_items jsonb) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO idem.replay_item (request, item, dlq_topic, dlq_partition, dlq_offset, event_id, target_topic, key,
                                  payload_hash, dry_run, dry_run_reason)
    SELECT p_request, x.ordinality::integer, x.e->>'dlq_topic', (x.e->>'dlq_partition')::integer,
           (x.e->>'dlq_offset')::bigint, x.e->>'event_id', coalesce(p_target_topic, x.e->>'target_topic'),
           decode(x.e->>'key', 'base64'), coalesce(x.e->>'payload_hash', ''),
           coalesce(x.e->>'dry_run', 'send'), x.e->>'dry_run_reason'
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x(e, ordinality);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

-- p_items: see idem.insert_items. Returns the new request's id.
CREATE FUNCTION idem.request_replay(p_flow text, p_reason text, p_items jsonb, p_target_topic text DEFAULT NULL,
                                    p_expires_in interval DEFAULT interval '24 hours') RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_count integer;
    v_hash text;
BEGIN
    PERFORM idem.require_role('idem_operator');
    IF coalesce(btrim(p_flow), '') = '' THEN
        PERFORM idem.refuse('a replay request needs a flow');
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        PERFORM idem.refuse('a replay request needs a reason');
    END IF;
    IF jsonb_typeof(p_items) IS DISTINCT FROM 'array' OR jsonb_array_length(p_items) = 0 THEN
        PERFORM idem.refuse('a replay request needs at least one item');
    END IF;
    IF p_expires_in <= interval '0' OR p_expires_in > interval '30 days' THEN
        PERFORM idem.refuse('a replay request expires after more than nothing and at most 30 days');
    END IF;
    INSERT INTO idem.replay_request (flow, reason, target_topic, requested_by, expires_at, items_hash, item_count)
    VALUES (p_flow, p_reason, nullif(btrim(p_target_topic), ''), session_user, now() + p_expires_in, '', 0)
    RETURNING id INTO v_id;
    v_count := idem.insert_items(v_id, nullif(btrim(p_target_topic), ''), p_items);
    v_hash := idem.items_hash(v_id);
    UPDATE idem.replay_request SET items_hash = v_hash, item_count = v_count WHERE id = v_id;
    PERFORM idem.audit('requested', v_id, jsonb_build_object('flow', p_flow, 'reason', p_reason, 'items', v_count,
        'items_hash', v_hash, 'target_topic', p_target_topic,
        'dry_run_skip', (SELECT count(*) FROM idem.replay_item WHERE request = v_id AND dry_run = 'skip')));
    RETURN v_id;
END
$$;

-- The requester changes the items (and with them the hash): a pending or
-- approved request goes back to pending, any approval void.
CREATE FUNCTION idem.amend_replay(p_request bigint, p_items jsonb) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r idem.replay_request;
    v_hash text;
    v_count integer;
BEGIN
    PERFORM idem.require_role('idem_operator');
    r := idem.load_request(p_request);
    IF r.requested_by <> session_user THEN
        PERFORM idem.refuse(format('only %s, who requested replay %s, may change its items', r.requested_by, r.id));
    END IF;
    IF r.status NOT IN ('pending', 'approved') THEN
        PERFORM idem.refuse(format('replay request %s is %s: its items can no longer change', r.id, r.status));
    END IF;
    IF jsonb_typeof(p_items) IS DISTINCT FROM 'array' OR jsonb_array_length(p_items) = 0 THEN
        PERFORM idem.refuse('a replay request needs at least one item');
    END IF;
    DELETE FROM idem.replay_item WHERE request = r.id;
    v_count := idem.insert_items(r.id, r.target_topic, p_items);
    v_hash := idem.items_hash(r.id);
    UPDATE idem.replay_request
    SET items_hash = v_hash, item_count = v_count, status = 'pending', approved_by = NULL, approved_at = NULL,
        override_processed = false
    WHERE id = r.id;
    PERFORM idem.audit('amended', r.id, jsonb_build_object('items', v_count, 'items_hash', v_hash,
        'previous_items_hash', r.items_hash, 'approval_voided', r.status = 'approved'));
    RETURN 'pending';
END
$$;

CREATE FUNCTION idem.cancel_replay(p_request bigint, p_comment text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r idem.replay_request;
BEGIN
    PERFORM idem.require_role('idem_operator', 'idem_approver');
    r := idem.load_request(p_request);
    IF r.requested_by <> session_user THEN
        PERFORM idem.refuse(format('only %s, who requested replay %s, may cancel it', r.requested_by, r.id));
    END IF;
    IF r.status NOT IN ('pending', 'approved') THEN
        PERFORM idem.refuse(format('replay request %s is %s: only a pending or approved request can be cancelled',
                                   r.id, r.status));
    END IF;
    UPDATE idem.replay_request SET status = 'cancelled', finished_at = now(), detail = p_comment WHERE id = r.id;
    PERFORM idem.audit('cancelled', r.id, jsonb_build_object('comment', p_comment, 'was', r.status));
    RETURN 'cancelled';
END
$$;

-- An approver other than the requester approves or rejects a pending,
-- unexpired request, naming the items_hash they reviewed. p_dry_run, when
-- given, is the approver's own dry run: [{item, dry_run, dry_run_reason}].
CREATE FUNCTION idem.decide_replay(p_request bigint, p_decision text, p_items_hash text, p_comment text DEFAULT NULL,
                                   p_override_processed boolean DEFAULT false, p_dry_run jsonb DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r idem.replay_request;
    v_status text;
    v_now_hash text;
BEGIN
    PERFORM idem.require_role('idem_approver');
    IF p_decision NOT IN ('approve', 'reject') THEN
        PERFORM idem.refuse(format('a decision is approve or reject, not %s', p_decision));
    END IF;
    r := idem.load_request(p_request);
    IF r.requested_by = session_user THEN
        PERFORM idem.refuse(format('%s requested replay %s and cannot %s it: another approver must decide',
                                   session_user, r.id, p_decision));
    END IF;
    IF r.status <> 'pending' THEN
        PERFORM idem.refuse(format('replay request %s is %s, not pending', r.id, r.status));
    END IF;
    IF r.expires_at <= now() THEN
        PERFORM idem.refuse(format('replay request %s expired at %s', r.id, r.expires_at));
    END IF;
    v_now_hash := idem.items_hash(r.id);
    IF p_items_hash IS DISTINCT FROM v_now_hash OR v_now_hash <> r.items_hash THEN
        PERFORM idem.refuse(format('the items of replay request %s are not the ones reviewed (items_hash %s, '
                                   'reviewed %s): review them again', r.id, v_now_hash, coalesce(p_items_hash, 'none')));
    END IF;
    IF p_decision = 'reject' AND coalesce(btrim(p_comment), '') = '' THEN
        PERFORM idem.refuse('a rejection needs a comment saying why');
    END IF;
    v_status := CASE p_decision WHEN 'approve' THEN 'approved' ELSE 'rejected' END;
    IF p_dry_run IS NOT NULL AND jsonb_typeof(p_dry_run) = 'array' THEN
        UPDATE idem.replay_item i
        SET dry_run = coalesce(x.dry_run, i.dry_run), dry_run_reason = x.dry_run_reason
        FROM jsonb_to_recordset(p_dry_run) AS x(item integer, dry_run text, dry_run_reason text)
        WHERE i.request = r.id AND i.item = x.item;
    END IF;
    INSERT INTO idem.decision (request, decided_by, decision, comment, items_hash, override_processed)
    VALUES (r.id, session_user, v_status, p_comment, v_now_hash, p_decision = 'approve' AND p_override_processed);
    UPDATE idem.replay_request
    SET status = v_status,
        approved_by = CASE WHEN p_decision = 'approve' THEN session_user END,
        approved_at = CASE WHEN p_decision = 'approve' THEN now() END,
        override_processed = p_decision = 'approve' AND p_override_processed,
        finished_at = CASE WHEN p_decision = 'reject' THEN now() END
    WHERE id = r.id;
    PERFORM idem.audit(v_status, r.id, jsonb_build_object('comment', p_comment, 'items_hash', v_now_hash,
        'override_processed', p_decision = 'approve' AND p_override_processed,
        'dry_run_skip', (SELECT count(*) FROM idem.replay_item WHERE request = r.id AND dry_run = 'skip')));
    RETURN v_status;
END
$$;

-- Pending requests past their expiry become expired (anyone may ask).
CREATE FUNCTION idem.expire_replays() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_count integer := 0;
BEGIN
    PERFORM idem.require_role('idem_viewer', 'idem_operator', 'idem_approver');
    FOR v_id IN SELECT id FROM idem.replay_request WHERE status = 'pending' AND expires_at <= now()
                ORDER BY id FOR UPDATE SKIP LOCKED LOOP
        UPDATE idem.replay_request SET status = 'expired', finished_at = now() WHERE id = v_id;
        PERFORM idem.audit('expired', v_id, '{}'::jsonb);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

-- Whether this session holds the executor's lease of a request: a session
-- advisory lock, released by the server when the executor's connection ends
-- (a killed executor included), so the next claim can resume.
CREATE FUNCTION idem.holds_claim(p_request bigint) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND classid = 20512 AND objid = p_request::oid
                   AND objsubid = 2 AND pid = pg_backend_pid() AND granted)
$$;

-- One executor per request: an approved request, or an executing one whose
-- executor is gone. p_watermarks: {"topic:partition": high watermark} of the
-- target topics now. Returns {attempt, resume, watermarks (the first
-- claim's), approved_by, override_processed, target_topic}.
CREATE FUNCTION idem.claim_replay(p_request bigint, p_watermarks jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r idem.replay_request;
    v_attempt integer;
    v_first jsonb;
BEGIN
    PERFORM idem.require_role('idem_operator', 'idem_approver');
    IF p_request > 2147483647 THEN
        PERFORM idem.refuse('request ids past 2^31 cannot be claimed');
    END IF;
    SELECT * INTO r FROM idem.replay_request WHERE id = p_request AND status IN ('approved', 'executing')
    FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        SELECT * INTO r FROM idem.replay_request WHERE id = p_request;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'there is no replay request %', p_request USING ERRCODE = 'IR002';
        ELSIF r.status IN ('approved', 'executing') THEN
            PERFORM idem.refuse(format('replay request %s is being claimed by another executor right now', r.id));
        ELSE
            PERFORM idem.refuse(format('replay request %s is %s: only an approved request can be executed',
                                       r.id, r.status));
        END IF;
    END IF;
    IF NOT idem.holds_claim(r.id) AND NOT pg_try_advisory_lock(20512, r.id::integer) THEN
        PERFORM idem.refuse(format('replay request %s is being executed by %s since %s', r.id, r.executor,
                                   r.claimed_at));
    END IF;
    SELECT coalesce(max(attempt), 0) + 1 INTO v_attempt FROM idem.execution WHERE request = r.id;
    INSERT INTO idem.execution (request, attempt, executor, backend_pid, watermarks)
    VALUES (r.id, v_attempt, session_user, pg_backend_pid(), coalesce(p_watermarks, '{}'::jsonb));
    SELECT watermarks INTO v_first FROM idem.execution WHERE request = r.id ORDER BY attempt LIMIT 1;
    UPDATE idem.replay_request SET status = 'executing', executor = session_user, claimed_at = now() WHERE id = r.id;
    PERFORM idem.audit(CASE WHEN r.status = 'executing' THEN 'resumed' ELSE 'claimed' END, r.id,
                       jsonb_build_object('attempt', v_attempt, 'previous_executor', r.executor));
    RETURN jsonb_build_object('attempt', v_attempt, 'resume', r.status = 'executing', 'watermarks', v_first,
                              'approved_by', r.approved_by, 'override_processed', r.override_processed,
                              'target_topic', r.target_topic);
END
$$;

CREATE FUNCTION idem.require_claim(p_request bigint) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT idem.holds_claim(p_request) THEN
        RAISE EXCEPTION 'this session does not hold the claim of replay request %: claim it first', p_request
            USING ERRCODE = 'IR001';
    END IF;
END
$$;

-- The executor records item outcomes, in batches: [{item, state, partition,
-- offset, detail}]. pending -> skipped | sent | failed; sent -> confirmed |
-- failed; failed -> sent | confirmed (a resumed run that finds it after all).
CREATE FUNCTION idem.record_items(p_request bigint, p_results jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_count integer;
    v_asked integer;
BEGIN
    PERFORM idem.require_role('idem_operator', 'idem_approver');
    PERFORM idem.require_claim(p_request);
    v_asked := jsonb_array_length(p_results);
    UPDATE idem.replay_item i
    SET state = x.state,
        produced_partition = coalesce(x.partition, i.produced_partition),
        produced_offset = coalesce(x."offset", i.produced_offset),
        detail = x.detail
    FROM jsonb_to_recordset(p_results) AS x(item integer, state text, partition integer, "offset" bigint, detail text)
    WHERE i.request = p_request AND i.item = x.item
      AND ((i.state = 'pending' AND x.state IN ('skipped', 'sent', 'failed'))
        OR (i.state = 'sent' AND x.state IN ('confirmed', 'failed', 'sent'))
        OR (i.state = 'failed' AND x.state IN ('sent', 'confirmed', 'failed')));
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> v_asked THEN
        PERFORM idem.refuse(format('%s of %s item results of replay request %s name no item or an impossible '
                                   'state change', v_asked - v_count, v_asked, p_request));
    END IF;
    PERFORM idem.audit('items', p_request, (
        SELECT jsonb_build_object('count', v_count, 'states', jsonb_object_agg(s.state, s.n),
                                  'first_item', min(s.lo), 'last_item', max(s.hi))
        FROM (SELECT x.state, count(*) AS n, min(x.item) AS lo, max(x.item) AS hi
              FROM jsonb_to_recordset(p_results) AS x(item integer, state text) GROUP BY x.state) s));
    PERFORM pg_notify('idem_replays', json_build_object('request', p_request, 'status', 'executing',
                                                        'action', 'progress')::text);
    RETURN v_count;
END
$$;

-- Ends the execution: done when every item is confirmed or skipped, failed
-- otherwise (with p_detail saying why); releases the claim.
CREATE FUNCTION idem.finish_replay(p_request bigint, p_detail text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r idem.replay_request;
    v_status text;
    v_open integer;
BEGIN
    PERFORM idem.require_role('idem_operator', 'idem_approver');
    PERFORM idem.require_claim(p_request);
    r := idem.load_request(p_request);
    SELECT count(*) INTO v_open FROM idem.replay_item WHERE request = r.id AND state NOT IN ('confirmed', 'skipped');
    v_status := CASE WHEN v_open = 0 THEN 'done' ELSE 'failed' END;
    UPDATE idem.replay_request SET status = v_status, finished_at = now(),
        detail = CASE WHEN v_open = 0 THEN p_detail ELSE coalesce(p_detail, format('%s items unconfirmed', v_open)) END
    WHERE id = r.id;
    PERFORM idem.audit(v_status, r.id, jsonb_build_object('unconfirmed', v_open, 'detail', p_detail,
        'states', (SELECT jsonb_object_agg(state, n) FROM (SELECT state, count(*) AS n FROM idem.replay_item
                                                           WHERE request = r.id GROUP BY state) s)));
    WHILE pg_advisory_unlock(20512, r.id::integer) LOOP
    END LOOP;
    RETURN v_status;
END
$$;

-- Walks the chain in order; names the first row whose hash or link is wrong.
CREATE FUNCTION idem.verify_audit(OUT ok boolean, OUT checked bigint, OUT first_broken bigint, OUT detail text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a idem.audit_log;
    v_prev text := repeat('0', 64);
BEGIN
    ok := true;
    checked := 0;
    FOR a IN SELECT * FROM idem.audit_log ORDER BY id LOOP
        checked := checked + 1;
        IF a.prev_hash <> v_prev THEN
            ok := false;
            first_broken := a.id;
            detail := format('audit row %s does not follow the row before it (its prev_hash is not that row''s '
                             'hash): a row before it was removed or changed', a.id);
            RETURN;
        END IF;
        IF a.row_hash <> idem.audit_hash(a.id, a.at, a.actor, a.action, a.request, a.detail, a.prev_hash) THEN
            ok := false;
            first_broken := a.id;
            detail := format('audit row %s (%s by %s) was changed after it was written: its content no longer '
                             'matches its hash', a.id, a.action, a.actor);
            RETURN;
        END IF;
        v_prev := a.row_hash;
    END LOOP;
    detail := format('%s audit rows, chain intact', checked);
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA idem FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA idem FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA idem FROM PUBLIC;
GRANT SELECT ON idem.replay_request, idem.replay_item, idem.decision, idem.execution, idem.audit_log
    TO idem_viewer, idem_operator, idem_approver;
-- Every role may call the functions that change things; each checks the
-- caller's roles itself and says which one is missing.
GRANT EXECUTE ON FUNCTION idem.request_replay(text, text, jsonb, text, interval), idem.amend_replay(bigint, jsonb),
    idem.cancel_replay(bigint, text), idem.claim_replay(bigint, jsonb), idem.record_items(bigint, jsonb),
    idem.finish_replay(bigint, text), idem.decide_replay(bigint, text, text, text, boolean, jsonb),
    idem.expire_replays(), idem.verify_audit(), idem.items_hash(bigint), idem.holds_claim(bigint)
    TO idem_viewer, idem_operator, idem_approver;
