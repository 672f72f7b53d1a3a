"""The hall database's DDL and its installation."""

from __future__ import annotations

from assistant.hall.config import HallError

SCHEMA_VERSION = 1
_SCHEMA_LOCK = 0x57415348  # "WASH": advisory lock key while the schema is created


# ─── schema ───────────────────────────────────────────────────────────────────────────────────────

_SCHEMA = r"""
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


def install_schema(conn) -> None:
    """Create (or bring up to date) the hall schema; safe when many terminals connect at once."""
    import psycopg

    row = conn.execute(
        "SELECT to_regclass('hall.meta') IS NOT NULL, current_setting('server_encoding')"
    ).fetchone()
    exists, encoding = row
    if encoding != "UTF8":
        raise HallError(f"大厅数据库的编码是 {encoding}，需要 UTF8（createdb -E UTF8 …）")
    if exists:
        version = conn.execute("SELECT value FROM hall.meta WHERE key = 'schema_version'").fetchone()
        if version and int(version[0]) >= SCHEMA_VERSION:
            if int(version[0]) > SCHEMA_VERSION:
                raise HallError(
                    f"大厅数据库来自更新版本的程序（版本 {version[0]}，本程序只支持到 {SCHEMA_VERSION}）"
                )
            return
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            conn.execute(_SCHEMA)
            conn.execute(
                "INSERT INTO hall.meta (key, value) VALUES ('schema_version', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )
    except psycopg.errors.InsufficientPrivilege as exc:
        raise HallError(f"没有在大厅数据库中建表的权限，请由管理员先初始化（{exc}）") from exc
