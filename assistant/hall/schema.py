"""The hall database: versioned migrations, roles and least grants (``python main.py hall init``).

Objects live in schema ``hall`` and belong to the NOLOGIN role ``wa_hall_owner``, so the SECURITY DEFINER
functions run as that role, never as a superuser; each pins ``search_path = pg_catalog, hall, pg_temp``.
Two NOLOGIN group roles get the least grants:

* ``wa_terminal`` (each enrolled terminal is a LOGIN role in it): ``EXECUTE`` on ``hall.push``, ``hall.me``,
  ``hall.joined`` and ``hall.set_key`` only. It reads no table and writes none: the functions find the terminal
  from ``session_user``.
* ``wa_lead``: ``SELECT`` on the hall's tables and views (the review, ``hall status``); it writes nothing.

PUBLIC loses ``EXECUTE`` on every function of the schema (PostgreSQL grants it to PUBLIC on creation) and
``CONNECT``/``TEMPORARY`` on the database. Running ``install_schema`` again applies only the missing migrations
and re-applies roles and grants: it is idempotent.
"""

from __future__ import annotations

from assistant.hall.config import HallError
from assistant.store import projections as _P

OWNER, TERMINALS, LEADS = "wa_hall_owner", "wa_terminal", "wa_lead"
_SCHEMA_LOCK = 0x57415348  # "WASH": advisory lock key while the schema is created

# ─── schema ───────────────────────────────────────────────────────────────────────────────────────

_V1 = r"""
CREATE SCHEMA IF NOT EXISTS hall;
CREATE TABLE IF NOT EXISTS hall.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS hall.terminals (
    terminal_id text PRIMARY KEY CHECK (terminal_id <> '' AND length(terminal_id) <= 200),
    head_seq    bigint NOT NULL DEFAULT 0,
    head_hash   text NOT NULL DEFAULT repeat('0', 64),
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS hall.events (
    terminal_id text NOT NULL REFERENCES hall.terminals,
    seq         bigint NOT NULL,
    at          text NOT NULL,
    at_ts       timestamptz NOT NULL,
    kind        text NOT NULL,
    payload     text NOT NULL,
    data        jsonb,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (terminal_id, seq)
);
CREATE INDEX IF NOT EXISTS events_at ON hall.events (at_ts);
CREATE INDEX IF NOT EXISTS events_kind ON hall.events (kind, terminal_id, seq);
CREATE TABLE IF NOT EXISTS hall.rejections (
    id             bigserial PRIMARY KEY,
    terminal_id    text NOT NULL,
    seq            bigint NOT NULL,
    code           text NOT NULL,
    reason         text NOT NULL,
    hall_head_seq  bigint NOT NULL,
    hall_head_hash text NOT NULL,
    at text, kind text, payload text, prev_hash text, hash text,
    first_at       timestamptz NOT NULL DEFAULT now(),
    last_at        timestamptz NOT NULL DEFAULT now(),
    attempts       integer NOT NULL DEFAULT 1,
    CONSTRAINT rejections_once UNIQUE (terminal_id, seq, code, hash)
);

CREATE OR REPLACE FUNCTION hall.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    RAISE EXCEPTION '大厅事件记录只能追加，不允许修改或删除（hall.events）';
END $f$;
DROP TRIGGER IF EXISTS events_append_only ON hall.events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON hall.events
    FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();
DROP TRIGGER IF EXISTS events_no_truncate ON hall.events;
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON hall.events
    FOR EACH STATEMENT EXECUTE FUNCTION hall.refuse_change();

-- Receive a batch of one terminal's events, in order. One row back:
-- accepted, duplicates, head_seq, head_hash, rejected_seq, code, reason (the last three NULL when none).
CREATE OR REPLACE FUNCTION hall.receive(
    p_terminal text, p_seq bigint[], p_at text[], p_kind text[], p_payload text[], p_prev text[], p_hash text[])
RETURNS TABLE (accepted integer, duplicates integer, head_seq bigint, head_hash text,
               rejected_seq bigint, code text, reason text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hall, pg_temp AS $f$
#variable_conflict use_column
DECLARE
    h_seq  bigint;
    h_hash text;
    n      integer := coalesce(array_length(p_seq, 1), 0);
    acc    integer := 0;
    dup    integer := 0;
    bad    integer;
    r_code text;
    r_why  text;
    old    hall.events%ROWTYPE;
    want   text;
    ts     timestamptz;
    js     jsonb;
BEGIN
    IF p_terminal IS NULL OR p_terminal = '' THEN
        RAISE EXCEPTION '终端编号不能为空';
    END IF;
    IF array_length(p_at, 1) IS DISTINCT FROM array_length(p_seq, 1)
       OR array_length(p_kind, 1) IS DISTINCT FROM array_length(p_seq, 1)
       OR array_length(p_payload, 1) IS DISTINCT FROM array_length(p_seq, 1)
       OR array_length(p_prev, 1) IS DISTINCT FROM array_length(p_seq, 1)
       OR array_length(p_hash, 1) IS DISTINCT FROM array_length(p_seq, 1) THEN
        RAISE EXCEPTION '一批事件的各列长度不一致';
    END IF;
    INSERT INTO hall.terminals (terminal_id) VALUES (p_terminal) ON CONFLICT DO NOTHING;
    SELECT t.head_seq, t.head_hash INTO h_seq, h_hash
      FROM hall.terminals t WHERE t.terminal_id = p_terminal FOR UPDATE;
    FOR i IN 1 .. n LOOP
        IF p_seq[i] IS NULL OR p_at[i] IS NULL OR p_kind[i] IS NULL OR p_payload[i] IS NULL
           OR p_prev[i] IS NULL OR p_hash[i] IS NULL THEN
            bad := i; r_code := 'incomplete';
            r_why := format('事件 #%s 缺少字段，拒收', coalesce(p_seq[i]::text, '?'));
            EXIT;
        END IF;
        IF p_seq[i] <= h_seq THEN
            SELECT * INTO old FROM hall.events e WHERE e.terminal_id = p_terminal AND e.seq = p_seq[i];
            IF FOUND AND old.hash = p_hash[i] AND old.prev_hash = p_prev[i] AND old.at = p_at[i]
               AND old.kind = p_kind[i] AND old.payload = p_payload[i] THEN
                dup := dup + 1;
                CONTINUE;
            END IF;
            bad := i; r_code := 'conflict';
            r_why := format('事件 #%s 与大厅已收到的同号事件不同（大厅：%s…，本次：%s…）：终端上的记录被改动过，'
                            '或数据文件被更换', p_seq[i], left(coalesce(old.hash, '?'), 12), left(p_hash[i], 12));
            EXIT;
        END IF;
        IF p_seq[i] <> h_seq + 1 THEN
            bad := i; r_code := 'gap';
            r_why := format('事件 #%s 不接续大厅已收到的 #%s：缺少 #%s%s（顺序被打乱，或记录被删除）',
                            p_seq[i], h_seq, h_seq + 1,
                            CASE WHEN p_seq[i] - h_seq > 2 THEN '～#' || (p_seq[i] - 1) ELSE '' END);
            EXIT;
        END IF;
        IF p_prev[i] <> h_hash THEN
            bad := i; r_code := 'prev_hash';
            r_why := CASE WHEN h_seq = 0
                THEN format('事件 #%s 是本终端的第一条，其 prev_hash 应为 64 个 0', p_seq[i])
                ELSE format('事件 #%s 的 prev_hash 与大厅已收到的 #%s 的哈希不符（链被改写，或插入、删除了记录）',
                            p_seq[i], h_seq) END;
            EXIT;
        END IF;
        want := encode(sha256(convert_to(p_prev[i] || E'\n' || p_seq[i]::text || E'\n' || p_at[i] || E'\n'
                                         || p_kind[i] || E'\n' || p_payload[i], 'UTF8')), 'hex');
        IF want <> p_hash[i] THEN
            bad := i; r_code := 'hash';
            r_why := format('事件 #%s 的哈希值与内容不符（内容被改动过）', p_seq[i]);
            EXIT;
        END IF;
        IF p_at[i] !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d:\d\d$' THEN
            bad := i; r_code := 'time';
            r_why := format('事件 #%s 的时间“%s”不是带时区的 ISO 8601 时间', p_seq[i], p_at[i]);
            EXIT;
        END IF;
        BEGIN
            ts := p_at[i]::timestamptz;
        EXCEPTION WHEN others THEN
            bad := i; r_code := 'time';
            r_why := format('事件 #%s 的时间“%s”无效', p_seq[i], p_at[i]);
            EXIT;
        END;
        BEGIN
            PERFORM p_payload[i]::json;
        EXCEPTION WHEN others THEN
            bad := i; r_code := 'payload';
            r_why := format('事件 #%s 的内容不是 JSON', p_seq[i]);
            EXIT;
        END;
        BEGIN
            js := p_payload[i]::jsonb;
        EXCEPTION WHEN others THEN
            js := NULL;  -- valid JSON that jsonb cannot hold (\u0000): kept as text only
        END;
        INSERT INTO hall.events (terminal_id, seq, at, at_ts, kind, payload, data, prev_hash, hash)
        VALUES (p_terminal, p_seq[i], p_at[i], ts, p_kind[i], p_payload[i], js, p_prev[i], p_hash[i]);
        h_seq := p_seq[i];
        h_hash := p_hash[i];
        acc := acc + 1;
    END LOOP;
    UPDATE hall.terminals t SET head_seq = h_seq, head_hash = h_hash, last_seen = now()
     WHERE t.terminal_id = p_terminal;
    IF bad IS NOT NULL THEN
        INSERT INTO hall.rejections AS r (terminal_id, seq, code, reason, hall_head_seq, hall_head_hash,
                                          at, kind, payload, prev_hash, hash)
        VALUES (p_terminal, coalesce(p_seq[bad], -1), r_code, r_why, h_seq, h_hash,
                p_at[bad], p_kind[bad], p_payload[bad], p_prev[bad], coalesce(p_hash[bad], ''))
        ON CONFLICT ON CONSTRAINT rejections_once
        DO UPDATE SET attempts = r.attempts + 1, last_at = now(), reason = excluded.reason,
                      hall_head_seq = excluded.hall_head_seq, hall_head_hash = excluded.hall_head_hash;
        RETURN QUERY SELECT acc, dup, h_seq, h_hash, p_seq[bad], r_code, r_why;
    ELSE
        RETURN QUERY SELECT acc, dup, h_seq, h_hash, NULL::bigint, NULL::text, NULL::text;
    END IF;
END $f$;
"""


# Version 2: enrolment. A terminal is a LOGIN role; its stream in hall.terminals is "<window>#<epoch>", derived
# from session_user inside hall.push, never taken from the caller.
_V2 = r"""
ALTER FUNCTION hall.receive(text, bigint[], text[], text[], text[], text[], text[])
    SET search_path = pg_catalog, hall, pg_temp;
ALTER TABLE hall.rejections ADD COLUMN by_role name;
CREATE TABLE hall.enrolments (
    terminal_id text PRIMARY KEY REFERENCES hall.terminals,
    role        name NOT NULL,
    window_name text NOT NULL CHECK (window_name <> '' AND length(window_name) <= 100),
    epoch       integer NOT NULL CHECK (epoch >= 1),
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    enrolled_by name NOT NULL DEFAULT session_user,
    reason      text NOT NULL DEFAULT '',
    joined_at   timestamptz,
    retired_at  timestamptz,
    retired_by  name,
    verify_key  text,           -- sealing (evidence issue): one verification key per epoch
    key_set_at  timestamptz,
    UNIQUE (role, epoch)
);
CREATE UNIQUE INDEX enrolments_current_role ON hall.enrolments (role) WHERE retired_at IS NULL;
CREATE UNIQUE INDEX enrolments_current_window ON hall.enrolments (window_name) WHERE retired_at IS NULL;

-- Sign-ins under a window name other than the enrolled one: shown to the lead.
CREATE VIEW hall.window_mismatches AS
SELECT e.terminal_id, n.window_name AS enrolled, e.data->>'window' AS signed_in, e.seq, e.at, e.data->>'clerk' AS clerk
  FROM hall.events e JOIN hall.enrolments n USING (terminal_id)
 WHERE e.kind = 'sign_in' AND e.data->>'window' IS DISTINCT FROM n.window_name;

CREATE FUNCTION hall.push(
    p_claim text, p_seq bigint[], p_at text[], p_kind text[], p_payload text[], p_prev text[], p_hash text[])
RETURNS TABLE (accepted integer, duplicates integer, head_seq bigint, head_hash text,
               rejected_seq bigint, code text, reason text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hall, pg_temp AS $f$
#variable_conflict use_column
DECLARE
    me  hall.enrolments%ROWTYPE;
    h   hall.terminals%ROWTYPE;
    why text;
BEGIN
    SELECT * INTO me FROM hall.enrolments n WHERE n.role = session_user AND n.retired_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION '数据库角色 % 不是本大厅登记在用的终端（未登记，或登记已被 --replace 更换）', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO h FROM hall.terminals t WHERE t.terminal_id = me.terminal_id;
    IF p_claim IS DISTINCT FROM me.terminal_id THEN
        -- Writing under another terminal's id: refused, recorded against the one who tried, nothing written
        -- to the other terminal's stream (which keeps pushing as before).
        why := format('登记为“%s”的终端（数据库角色 %s）试图以“%s”的身份上传 %s 条事件，已拒收',
                      me.terminal_id, session_user, coalesce(p_claim, '（空）'), coalesce(array_length(p_seq, 1), 0));
        INSERT INTO hall.rejections AS r (terminal_id, seq, code, reason, hall_head_seq, hall_head_hash,
                                          at, kind, payload, prev_hash, hash, by_role)
        VALUES (me.terminal_id, coalesce(p_seq[1], -1), 'impostor', why, h.head_seq, h.head_hash,
                p_at[1], p_kind[1], p_payload[1], p_prev[1], coalesce(p_hash[1], ''), session_user)
        ON CONFLICT ON CONSTRAINT rejections_once
        DO UPDATE SET attempts = r.attempts + 1, last_at = now(), reason = excluded.reason;
        RETURN QUERY SELECT 0, 0, h.head_seq, h.head_hash, coalesce(p_seq[1], -1), 'impostor'::text, why;
        RETURN;
    END IF;
    -- Seals (evidence issue): when that lands, the seals of what arrives are checked here against
    -- me.verify_key before hall.receive; a sealed event under an epoch without a key is refused.
    RETURN QUERY SELECT * FROM hall.receive(me.terminal_id, p_seq, p_at, p_kind, p_payload, p_prev, p_hash);
END $f$;

CREATE FUNCTION hall.me()
RETURNS TABLE (terminal_id text, window_name text, epoch integer, head_seq bigint, head_hash text,
               verify_key text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, hall, pg_temp AS $f$
    SELECT n.terminal_id, n.window_name, n.epoch, t.head_seq, t.head_hash, n.verify_key
      FROM hall.enrolments n JOIN hall.terminals t ON t.terminal_id = n.terminal_id
     WHERE n.role = session_user AND n.retired_at IS NULL
$f$;

CREATE FUNCTION hall.joined() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, hall, pg_temp AS $f$
    UPDATE hall.enrolments SET joined_at = coalesce(joined_at, now())
     WHERE role = session_user AND retired_at IS NULL
$f$;

-- Sealing: the first key of an epoch is accepted from the terminal itself; another one needs the administrator.
CREATE FUNCTION hall.set_key(p_key text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hall, pg_temp AS $f$
DECLARE
    old text;
BEGIN
    SELECT verify_key INTO old FROM hall.enrolments WHERE role = session_user AND retired_at IS NULL FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '数据库角色 % 不是本大厅登记在用的终端', session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF old IS NULL THEN
        UPDATE hall.enrolments SET verify_key = p_key, key_set_at = now()
         WHERE role = session_user AND retired_at IS NULL;
    ELSIF old IS DISTINCT FROM p_key THEN
        RAISE EXCEPTION '本期已登记过验证密钥；更换密钥需要管理员重新登记（hall enrol --replace）'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $f$;
"""


def _sql_list(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))


# Version 3: the review's projections kept by the hall as events arrive (docs/hall-city-scale.md, "The review").
# hall.project is assistant.store.projections.project in PL/pgSQL, one event at a time, keyed by terminal: the
# same rows with the same values (tests/hall/test_hall_projections.py is the oracle). Payload values the local
# projection keeps as they were (numbers or strings: an interaction's number, a person id, a phrase id, a due
# date) are jsonb here; the texts the local projection makes (day, tags, times, joined steps) are text.
# Written only by hall.receive (SECURITY DEFINER); wa_lead reads them (GRANT SELECT ON ALL TABLES).
# Written for projections.CONTEXT_VERSION 3: a change to the local projection needs a new migration that re-creates
# hall.project and re-projects (tests/hall/test_hall_projections.py fails until then).
PROJECTION_CONTEXT = 3
_V3 = rf"""
CREATE TABLE hall.proj_state (
    terminal_id text PRIMARY KEY REFERENCES hall.terminals,
    tag_clerk   text NOT NULL DEFAULT '',
    tag_role    text NOT NULL DEFAULT '',
    tag_window  text NOT NULL DEFAULT '',
    open        jsonb NOT NULL DEFAULT '{{}}'
);
CREATE TABLE hall.proj_events (
    terminal_id text NOT NULL,
    seq         bigint NOT NULL,
    day         date NOT NULL,
    kind        text NOT NULL,
    clerk       text NOT NULL,
    role        text NOT NULL,
    window_name text NOT NULL,
    fu          boolean NOT NULL,
    PRIMARY KEY (terminal_id, seq)
);
CREATE INDEX proj_events_day ON hall.proj_events (day, kind);
CREATE TABLE hall.proj_interactions (
    terminal_id text NOT NULL,
    start_seq   bigint NOT NULL,
    end_seq     bigint NOT NULL,
    day         date NOT NULL,
    number      jsonb,
    clerk       text NOT NULL,
    role        text NOT NULL,
    window_name text NOT NULL,
    started     text NOT NULL,
    ended       text NOT NULL,
    seconds     bigint NOT NULL,
    steps       text NOT NULL,
    durations   text NOT NULL,
    matters     text NOT NULL,
    outcomes    text NOT NULL,
    referrals   jsonb NOT NULL,
    person      jsonb,
    PRIMARY KEY (terminal_id, end_seq)
);
CREATE INDEX proj_interactions_day ON hall.proj_interactions (day, terminal_id, end_seq);
CREATE TABLE hall.proj_phrases (
    terminal_id text NOT NULL,
    day         date NOT NULL,
    clerk       text NOT NULL,
    role        text NOT NULL,
    window_name text NOT NULL,
    phrase      jsonb NOT NULL,  -- JSON null is 'null', never SQL NULL: a plain UNIQUE holds (PostgreSQL 13)
    mode        jsonb NOT NULL,
    n           bigint NOT NULL,
    UNIQUE (day, terminal_id, clerk, role, window_name, phrase, mode)
);
CREATE TABLE hall.proj_people (
    terminal_id text NOT NULL,
    window_name jsonb NOT NULL,
    clerk       jsonb NOT NULL,
    UNIQUE (terminal_id, window_name, clerk)
);
CREATE TABLE hall.proj_follow_ups (
    terminal_id text NOT NULL,
    seq         bigint NOT NULL,
    day         date NOT NULL,
    kind        text NOT NULL,
    clerk       text NOT NULL,
    role        text NOT NULL,
    window_name text NOT NULL,
    number      jsonb,
    status      jsonb,
    has_status  boolean NOT NULL,
    due         jsonb,
    answer      jsonb,
    PRIMARY KEY (terminal_id, seq)
);
CREATE INDEX proj_follow_ups_day ON hall.proj_follow_ups (day);

-- Python's str() and truth of a JSON value (what projections.tag and the f-strings make of it); an array or object
-- becomes its JSON text, not Python's repr (a clerk, window or step is never one).
CREATE FUNCTION hall.py_str(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
    SELECT CASE jsonb_typeof(v) WHEN 'string' THEN v #>> '{{}}' WHEN 'null' THEN 'None'
           WHEN 'boolean' THEN CASE WHEN v = 'true' THEN 'True' ELSE 'False' END ELSE v::text END
$f$;
CREATE FUNCTION hall.py_true(v jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE AS $f$
    SELECT v IS NOT NULL AND v NOT IN ('null', 'false', '0', '""', '[]', '{{}}')
       AND NOT (jsonb_typeof(v) = 'number' AND v::text::numeric = 0)
$f$;
-- p.get(key, default)
CREATE FUNCTION hall.py_get(p jsonb, key text, dflt jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $f$
    SELECT CASE WHEN p ? key THEN p -> key ELSE dflt END
$f$;
CREATE FUNCTION hall.py_seconds(a timestamptz, b timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE AS $f$
    SELECT trunc(extract(epoch FROM b - a))::bigint
$f$;

CREATE FUNCTION hall.project(p_terminal text, p_seq bigint, p_at text, p_kind text, p jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, hall, pg_temp AS $f$
#variable_conflict use_column
DECLARE
    st       hall.proj_state%ROWTYPE;
    v_clerk  text;
    v_role   text;
    v_win    text;
    v_day    date := left(p_at, 10)::date;
    pending  boolean;
    fu       boolean;
    it       jsonb;
    changed  boolean := false;
    marks    jsonb;
    v_steps  text[];
    v_durs   text[];
    v_start  timestamptz;
    v_end    timestamptz;
    n        integer;
BEGIN
    IF NOT (p_kind IN ({_sql_list(_P.FOLDED_KINDS | _P.INTERACTION_KINDS)}, 'phrase_used')
            OR p_kind LIKE 'guard%' OR p_kind LIKE 'taboo%') THEN
        RETURN;  -- projections.needs
    END IF;
    p := coalesce(p, '{{}}');
    SELECT * INTO st FROM hall.proj_state s WHERE s.terminal_id = p_terminal;
    IF NOT FOUND THEN
        INSERT INTO hall.proj_state (terminal_id) VALUES (p_terminal) RETURNING * INTO st;
    END IF;
    -- projections.tag
    IF p_kind = 'sign_in' THEN
        st.tag_clerk := hall.py_str(hall.py_get(p, 'clerk', '""'));
        st.tag_role := hall.py_str(hall.py_get(p, 'role', '""'));
        st.tag_window := hall.py_str(hall.py_get(p, 'window', '""'));
        changed := true;
    END IF;
    IF p ? 'clerk' OR p ? 'role' OR p ? 'window' THEN
        v_clerk := CASE WHEN hall.py_true(p -> 'clerk') THEN hall.py_str(p -> 'clerk') ELSE st.tag_clerk END;
        v_role := CASE WHEN hall.py_true(p -> 'role') THEN hall.py_str(p -> 'role') ELSE st.tag_role END;
        v_win := CASE WHEN hall.py_true(p -> 'window') THEN hall.py_str(p -> 'window') ELSE st.tag_window END;
    ELSE
        v_clerk := st.tag_clerk; v_role := st.tag_role; v_win := st.tag_window;
    END IF;
    IF p_kind = 'sign_out' THEN
        st.tag_clerk := ''; st.tag_role := ''; st.tag_window := '';
        changed := true;
    END IF;
    pending := p_kind = 'matter' AND p -> 'outcome' = '"{_P.PENDING}"';
    IF p_kind IN ({_sql_list(_P.FOLDED_KINDS)}) OR pending OR p_kind LIKE 'guard%' OR p_kind LIKE 'taboo%' THEN
        fu := p_kind IN ({_sql_list(_P.FOLLOW_UP_KINDS)}) OR pending;
        INSERT INTO hall.proj_events VALUES (p_terminal, p_seq, v_day, p_kind, v_clerk, v_role, v_win, fu);
        IF fu THEN
            INSERT INTO hall.proj_follow_ups VALUES (
                p_terminal, p_seq, v_day, p_kind, v_clerk, v_role, v_win,
                CASE WHEN p_kind IN ('follow_up', 'matter') THEN p -> 'follow_up'
                     WHEN p_kind = 'follow_up_close' THEN hall.py_get(p, 'follow_up', '0')
                     ELSE hall.py_get(p, 'complaint', '0') END,
                coalesce(p -> 'status', 'null'), p ? 'status',
                CASE WHEN p_kind IN ('follow_up', 'matter') THEN hall.py_get(p, 'due', '""')
                     WHEN p_kind = 'complaint' THEN hall.py_get(p, 'deadline', '""') ELSE 'null' END,
                hall.py_get(p, 'answer', '""'));
        END IF;
        IF p_kind = 'sign_in' THEN
            INSERT INTO hall.proj_people VALUES (p_terminal, coalesce(p -> 'window', 'null'),
                                                 coalesce(p -> 'clerk', 'null'))
            ON CONFLICT DO NOTHING;
        END IF;
    ELSIF p_kind IN ({_sql_list(_P.INTERACTION_KINDS)}) AND p ? 'clock_jump' THEN
        INSERT INTO hall.proj_events VALUES (p_terminal, p_seq, v_day, p_kind, v_clerk, v_role, v_win, false);
    END IF;
    IF p_kind = 'phrase_used' THEN
        INSERT INTO hall.proj_phrases AS f VALUES (p_terminal, v_day, v_clerk, v_role, v_win,
            hall.py_get(p, 'phrase', '""'), hall.py_get(p, 'mode', '"copy"'), 1)
        ON CONFLICT (day, terminal_id, clerk, role, window_name, phrase, mode) DO UPDATE SET n = f.n + 1;
    ELSIF p_kind = 'interaction_start' THEN  -- projections._interaction
        st.open := jsonb_set(st.open, ARRAY[v_win], jsonb_build_object(
            'id', p_seq, 'at', p_at, 'number', hall.py_get(p, 'interaction', '""'), 'clerk', v_clerk,
            'role', v_role, 'window', v_win, 'steps', jsonb_build_array(jsonb_build_array(
                hall.py_get(p, 'step', '""'), p_at)),
            'matters', '[]'::jsonb, 'outcomes', '[]'::jsonb, 'referrals', '[]'::jsonb,
            'person', coalesce(p -> 'person_id', 'null')));
        changed := true;
    ELSIF p_kind IN ({_sql_list(_P.INTERACTION_KINDS)}) AND st.open ? v_win THEN
        it := st.open -> v_win;
        IF it -> 'person' = 'null' THEN
            it := jsonb_set(it, '{{person}}', coalesce(p -> 'person_id', 'null'));
        END IF;
        IF p_kind = 'step' THEN
            it := jsonb_set(it, '{{steps}}', (it -> 'steps')
                            || jsonb_build_array(jsonb_build_array(hall.py_get(p, 'step', '""'), p_at)));
        ELSIF p_kind = 'matter' THEN
            it := jsonb_set(it, '{{matters}}', (it -> 'matters') || jsonb_build_array(hall.py_get(p, 'title', '""')));
            it := jsonb_set(it, '{{outcomes}}', (it -> 'outcomes')
                            || jsonb_build_array(hall.py_get(p, 'outcome', '""')));
            IF hall.py_true(p -> 'referral') THEN
                it := jsonb_set(it, '{{referrals}}', (it -> 'referrals')
                                || jsonb_build_array(jsonb_build_array('r', p -> 'referral')));
            END IF;
        ELSIF p_kind = 'escalate' THEN
            it := jsonb_set(it, '{{referrals}}', (it -> 'referrals') || jsonb_build_array(jsonb_build_array(
                't', '移交' || hall.py_str(hall.py_get(p, 'to', '""')))));
        END IF;
        IF p_kind = 'interaction_end' THEN
            st.open := st.open - v_win;
            v_start := (it ->> 'at')::timestamptz;
            v_end := p_at::timestamptz;
            marks := (it -> 'steps') || jsonb_build_array(jsonb_build_array('', p_at));
            n := jsonb_array_length(marks);
            SELECT array_agg(hall.py_str(marks -> i -> 0) ORDER BY i),
                   array_agg(hall.py_seconds((marks -> i ->> 1)::timestamptz, (marks -> (i + 1) ->> 1)::timestamptz)::text
                             ORDER BY i)
              INTO v_steps, v_durs FROM generate_series(0, n - 2) AS i;
            INSERT INTO hall.proj_interactions VALUES (
                p_terminal, (it ->> 'id')::bigint, p_seq, left(it ->> 'at', 10)::date, it -> 'number',
                it ->> 'clerk', it ->> 'role', it ->> 'window',
                replace(left(it ->> 'at', 19), 'T', ' '), replace(left(p_at, 19), 'T', ' '),
                hall.py_seconds(v_start, v_end),
                array_to_string(v_steps, chr({ord(_P.SEP)})), array_to_string(v_durs, chr({ord(_P.SEP)})),
                (SELECT coalesce(string_agg(hall.py_str(m), '；' ORDER BY o), '')
                   FROM jsonb_array_elements(it -> 'matters') WITH ORDINALITY AS x(m, o)),
                (SELECT coalesce(string_agg(hall.py_str(m), '；' ORDER BY o), '')
                   FROM jsonb_array_elements(it -> 'outcomes') WITH ORDINALITY AS x(m, o)),
                it -> 'referrals', it -> 'person');
        ELSE
            st.open := jsonb_set(st.open, ARRAY[v_win], it);
        END IF;
        changed := true;
    END IF;
    IF changed THEN
        UPDATE hall.proj_state s SET tag_clerk = st.tag_clerk, tag_role = st.tag_role,
               tag_window = st.tag_window, open = st.open
         WHERE s.terminal_id = p_terminal;
    END IF;
END $f$;

CREATE FUNCTION hall.project_inserted() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, hall, pg_temp AS $f$
BEGIN
    PERFORM hall.project(NEW.terminal_id, NEW.seq, NEW.at, NEW.kind, NEW.data);
    RETURN NULL;
END $f$;
-- hall.receive is the only writer of hall.events: its inserts project themselves
CREATE TRIGGER events_project AFTER INSERT ON hall.events FOR EACH ROW EXECUTE FUNCTION hall.project_inserted();
DO $b$ DECLARE e record; BEGIN
    FOR e IN SELECT terminal_id, seq, at, kind, data FROM hall.events ORDER BY terminal_id, seq LOOP
        PERFORM hall.project(e.terminal_id, e.seq, e.at, e.kind, e.data);
    END LOOP;
END $b$;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)
TERMINAL_FUNCTIONS = (
    "hall.push(text,bigint[],text[],text[],text[],text[],text[])",
    "hall.me()",
    "hall.joined()",
    "hall.set_key(text)",
)

_ROLES = f"""
DO $r$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}') THEN CREATE ROLE {OWNER} NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{TERMINALS}') THEN CREATE ROLE {TERMINALS} NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{LEADS}') THEN CREATE ROLE {LEADS} NOLOGIN; END IF;
END $r$;
"""

# Ownership to wa_hall_owner, then the least grants; every statement is idempotent.
_GRANTS = f"""
DO $o$ DECLARE r record; BEGIN
    EXECUTE 'ALTER SCHEMA hall OWNER TO {OWNER}';
    FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
              WHERE s.nspname = 'hall' AND c.relkind IN ('r', 'v', 'p') LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO {OWNER}', r.name);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
              WHERE s.nspname = 'hall' LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO {OWNER}', r.name);
    END LOOP;
END $o$;
-- grants made by hand before (e.g. EXECUTE on hall.receive to a clerks' role, as version 1 suggested): gone
DO $g$ DECLARE r record; BEGIN
    FOR r IN SELECT p.oid::regprocedure AS name, a.grantee::regrole AS who
               FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace, aclexplode(p.proacl) a
              WHERE s.nspname = 'hall' AND a.grantee <> 0 AND a.grantee <> p.proowner LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s', r.name, r.who);
    END LOOP;
    FOR r IN SELECT c.oid::regclass AS name, c.relkind, a.grantee::regrole AS who
               FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace, aclexplode(c.relacl) a
              WHERE s.nspname = 'hall' AND a.grantee <> 0 AND a.grantee <> c.relowner LOOP
        EXECUTE format('REVOKE ALL ON %s %s FROM %s',
                       CASE WHEN r.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.name, r.who);
    END LOOP;
END $g$;
REVOKE ALL ON SCHEMA hall FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA hall FROM PUBLIC, {TERMINALS}, {LEADS};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA hall FROM PUBLIC, {TERMINALS}, {LEADS};
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA hall FROM PUBLIC, {TERMINALS}, {LEADS};
ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA hall REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
GRANT USAGE ON SCHEMA hall TO {TERMINALS}, {LEADS};
GRANT EXECUTE ON FUNCTION {", ".join(TERMINAL_FUNCTIONS)} TO {TERMINALS};
GRANT SELECT ON ALL TABLES IN SCHEMA hall TO {LEADS};
"""


def install_schema(conn) -> list[str]:
    """``hall init``: apply the missing migrations, create the roles, set owner and grants (idempotent).
    Needs a superuser connection (or the database owner with CREATEROLE). What was done, in Chinese."""
    import psycopg
    from psycopg import sql

    done: list[str] = []
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            encoding = conn.execute("SELECT current_setting('server_encoding')").fetchone()[0]
            if encoding != "UTF8":
                raise HallError(f"大厅数据库的编码是 {encoding}，需要 UTF8（createdb -E UTF8 …）")
            version = schema_version(conn)
            if version > SCHEMA_VERSION:
                raise HallError(
                    f"大厅数据库来自更新版本的程序（版本 {version}，本程序只支持到 {SCHEMA_VERSION}）"
                )
            conn.execute(_ROLES)
            for number in range(version + 1, SCHEMA_VERSION + 1):
                conn.execute(MIGRATIONS[number - 1])
                conn.execute(
                    "INSERT INTO hall.meta (key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(number),),
                )
                done.append(f"已升级到版本 {number}")
            conn.execute(_GRANTS)
            database = sql.Identifier(conn.info.dbname)
            conn.execute(sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(database))
            conn.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}, {}").format(
                    database, sql.Identifier(TERMINALS), sql.Identifier(LEADS)
                )
            )
    except psycopg.errors.InsufficientPrivilege as exc:
        raise HallError(
            f"没有初始化大厅数据库的权限：请用数据库超级用户（如 postgres）运行 hall init（{exc}）"
        ) from exc
    return done


def schema_version(conn) -> int:
    """The hall schema's version in this database; 0 when there is none."""
    exists = conn.execute("SELECT to_regclass('hall.meta') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT value FROM hall.meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0
