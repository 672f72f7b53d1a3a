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

MIGRATIONS: tuple[str, ...] = (_V1, _V2)
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
