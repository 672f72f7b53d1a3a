"""The taboo guard: catches the forbidden phrases of rule 60 (服务忌语) in text the clerk composes.

The guard understands patterns rather than a list of sentences:

1. the text is normalised (full/half width, case, whitespace, punctuation, modal particles), keeping a map
   from every normalised character back to its offset in the original text;
2. each rule is a sequence of concept slots (synonym classes such as ``<KNOW>`` = 知道/清楚/晓得/明白) joined by
   bounded gaps (``~6`` = up to six characters, never across the end of a sentence; ``~~6`` may cross it);
3. a match of a "soft" rule is defused by a polite, helping context around it (您, 请, 帮您, 我来, 核实…), so
   "这个问题我不太清楚，我帮您问一下领导" stays clean while "我不清楚" alone is flagged;
4. overlapping matches keep the longest (the most specific reading); adjacent hits of the same item merge.

The pattern knowledge below is detection logic (declared data tables). What the clerk is shown — the rule's
seed text, the standard phrase to use instead and the advice — comes from ``scripts_zh/taboo.toml``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# ─── Synonym classes (concept slots) ─────────────────────────────────────────────────────────────────
# Referenced from the rules as <NAME>. Each is a regex alternation over the NORMALISED text.
CLASSES: dict[str, str] = {
    "NEG": r"不|没有|没",
    "KNOW": r"知道|晓得|清楚|明白|了解|懂",
    "KNOWS": r"知道|晓得|清楚",  # the narrow "I don't know" sense
    "ME": r"我们|我|咱们|咱|俺",
    "YOU": r"你们|你",
    "SELF": r"自个儿|自个|自己",
    "OTHER": (
        r"别人|其他人|其它人|别的人|旁人|人家|别处|别的地方|其他地方|其它地方|别的窗口|其他窗口|其它窗口"
        r"|别的部门|其他部门|其它部门|别的单位|其他单位|其它单位|隔壁"
    ),
    "LEADER": r"领导|上级|主任|局长|科长|处长|股长|所长|站长|经理|主管|头儿|老板|负责人",
    "WALL": (
        r"墙上|墙|公告栏|公示栏|宣传栏|告示|公告|通知|指南|须知|牌子|上面|屏幕|屏上|网上|手册|单子上|表上"
        r"|那儿|那里"
    ),
    "LOOK": r"看|瞧|瞅|查|读",
    "POSTED": r"贴|写|挂|印",
    "SEE": r"看见|看到|看|瞧见|瞧|瞅见|瞅|见|发现",
    "SYS": r"系统|电脑|网络|网速|网|机器|服务器|设备",
    "SAY": r"说|讲|告诉|解释",
    "TIMES": r"(?:好几|好多|好些|很多|n多|几|多少|两|三|四|五|六|七|八|九|十|百|八百|一百|无数|n|[2-9])(?:遍|次|回)",
    "FILL": r"填|写",
    "NUM": r"[0-9一二两三四五六七八九十半]+",
    "WORK": r"上班|开门|营业|办公|开始办公|开始上班",
}

# ─── Contexts that defuse a "soft" rule ──────────────────────────────────────────────────────────────
# Searched in the same sentence within DEFUSE_WINDOW characters either side of the match.
DEFUSERS: dict[str, str] = {
    # polite address or an offer of help: the clerk is serving, not brushing off
    "POLITE": (
        r"您|(?<!申)请|帮您|为您|给您|替您|教您|陪您|带您|我来|我去问|我问一下|我帮|核实|请示|咨询|答复|回复"
        r"|抱歉|对不起|不好意思|没关系|我再|马上为|尽快|第一时间"
    ),
    # item 6 quotes "给您" itself: only an offer to explain again defuses it
    "AGAIN": r"(?:我|再)(?:给您|跟您|为您|和您)?(?:重新|再|详细|慢慢)?(?:说|讲|解释)(?:一遍|一下)|抱歉|不好意思|对不起",
}
DEFUSE_WINDOW = 15

# Hurtful, belittling or provoking words (item 11): regex fragments separated by white space.
HURTFUL = r"""
    傻 蠢 笨(?!重) 白痴 弱智 智障 脑残 猪脑 神经病 缺心眼 二百五 废物 算什么东西 算老几 文盲 没文化 没素质
    素质(?:差|低|真差) 说人话 不是人(?:话|干的) 是不是人 烦不烦 烦死 (?<!麻)烦人 别(?:来)?烦(?:我|人)
    真烦 好烦 废话 滚(?!动|筒|烫) 闭嘴 住嘴 活该
    自找的 找茬 老糊涂 老不死 乡巴佬 土包子 没长眼 眼瞎 瞎了 耳朵聋 你懂什么 懂个屁 屁事
    什么都不懂 磨磨蹭蹭 听不懂人话 你这人怎么 怎么回事你 管得着 关你(?:什么|屁)事 胡搅蛮缠 无理取闹 蛮不讲理
    捣乱 不要脸 什么玩意 你也配 你配吗 <YOU>(?:是不是)?有毛病 懒得 你这种人 你们这种人 瞧你那 看你那样
    脑子(?:有问题|进水|不好使|坏了|有病|不够用)
    <YOU>(?:是不是|真|就是)?有病(?!历|人|史|假|例|房|残|号|情|症|种|患) 有病(?=。|$)
"""
# Words that hurt unless the sentence around them is plainly polite ("您一把年纪了还亲自跑一趟").
HURTFUL_UNLESS_POLITE = r"""
    啰嗦 啰唆 罗嗦 唠叨 找麻烦 事儿多 事真多 毛病多 一把年纪 不懂事 农村来的 懂不懂 随你 随便你
    还是怎么(?:的|着) 有本事 你这人 识字 什么态度 事多(?!久|少|长)
    说不清 见多了
"""

# ─── Rules ───────────────────────────────────────────────────────────────────────────────────────────
# (item of rule 60, pattern, defuser or None). Pattern syntax: <CLASS> a synonym class, ~n a gap of at most
# n characters inside one sentence (~~n: also across a sentence end, for "不会填？找别人去"); everything else
# is a regex over the normalised text. Order breaks ties between equally long matches. A defuser marks a
# "soft" rule: wording that is rude only when nothing polite surrounds it.
RULES: tuple[tuple[int, str, str | None], ...] = (
    # (1) 还没上班,等等,上班再办!
    (1, r"(?:还没有?|还未|没有?|还不到|不到|没到)(?:<WORK>)(?:时间|点)?", "POLITE"),
    (1, r"还?(?:没有?|不)到(?:<NUM>点|点|时间|钟点)", "POLITE"),
    (1, r"(?:时间|点)还?(?:没有?|不)到", "POLITE"),
    (1, r"等(?:到)?(?:<WORK>)|(?:<WORK>|到点)(?:时间)?(?:了|以后|之后|后|以)*再(?:办|来|说|弄)", "POLITE"),
    (1, r"(?:现在|今天|这会儿)(?:不|没法)(?:办|给办|受理)(?!理)", "POLITE"),
    (1, r"都几点了", None),
    (1, r"(?:<NUM>点|点)?才(?:<WORK>)", "POLITE"),
    (1, r"(?:一会儿?|等会儿?|待会儿?|过会儿?|下午|明天|改天|过两天)再(?:来|办|说)", "POLITE"),
    (1, r"(?:午休|吃饭|休息)(?:时间)?~6再(?:来|办|说)|还早~2(?:等|再来)", "POLITE"),
    (1, r"下班~6(?:明天|改天|下次|后天|下周|过两天)(?:再)?(?:来|办|说)?|下班~6下午再?(?:来|办|说)", "POLITE"),
    # (2) 没叫你的号,谁叫你挤进来的!
    (
        2,
        r"(?:没有?|不)(?:(?:叫|喊|轮|排)到?|到)<YOU>(?:的)?号?|号还?(?:没有?|不)(?:叫|喊|轮)?到<YOU>",
        "POLITE",
    ),
    (2, r"谁(?:叫|让|喊|允许|请|放)<YOU>~2进来|没叫号~4进来", None),
    (2, r"挤什么|挤啥|往前挤|挤进来|挤到?(?:前面|前边|里面|里边)", None),
    (2, r"<YOU>的?号还?(?:没有?|不)到|插(?:什么|啥)?队", "POLITE"),
    (2, r"别~4挤", "POLITE"),
    (
        2,
        (
            r"(?:出去|一边)(?:等着|排着|排队|待着|等)|(?:^|(?<=。))到?(?:外面|门口|后面)(?:等着|排着|待着)"
            r"|(?:外面|门口|后面)(?:等着|排着|待着)去|排队去|往后(?:站|排|退|去)"
        ),
        "POLITE",
    ),
    # (3) 不知道,你别问我!
    (3, r"<NEG><KNOW>~~8别(?:来|再)?问(?:我|了)?", None),
    (3, r"别(?:来|再)?问我~6<NEG><KNOW>", None),
    (3, r"(?:<NEG><KNOW>~4)?问我(?:干什么|干嘛|干啥|做什么|有什么用|也?没用|我问谁)", None),
    (3, r"(?:我|俺)(?:哪儿|哪里|哪|怎么|咋)(?:会)?(?:<KNOWS>)", "POLITE"),
    (3, r"(?:不知道){2}|(?:不清楚){2}|(?:^|(?<=。))(?:不知道|不晓得|不清楚)(?=。|$)", None),
    (3, r"(?:我|俺)(?:也|真|确实|实在|是|根本|压根|可|还真|就|真的)?(?:不|没)(?:太)?(?:<KNOWS>)", "POLITE"),
    (3, r"别(?:来|再)?问我|谁知道", "POLITE"),
    (3, r"(?:鬼|天|谁)晓得|鬼知道|天知道", None),
    # (4) 墙上贴着呢,你自己看看,就知道了。
    (4, r"<WALL>~10(?<!您)<SELF>(?:去|再)?(?:<LOOK>)(?:(?:看|一下)?~3就(?:<KNOW>))?", "POLITE"),
    (4, r"(?<!您)<SELF>(?:去)?(?:看|瞧|瞅)(?:看|一下)?去?~3<WALL>", "POLITE"),
    (4, r"(?<!您)<SELF>~3(?:看|瞧|查)(?:看|一下)?~3就(?:<KNOW>|会)", "POLITE"),
    (4, r"<SELF>(?:不会|不能|就不会)(?:看|查|瞧)|不会<SELF>(?:看|查|瞧)", "POLITE"),
    (4, r"<WALL>~3(?:都|不是)?(?:<POSTED>)着(?=。|$|吗|嘛|么|<YOU>|<SELF>|不会|看|就)", "POLITE"),
    (4, r"(?<!您)看<WALL>去", "POLITE"),
    (4, r"<WALL>~6不?就(?:<KNOW>)", "POLITE"),
    (4, r"(?:公示|贴|挂|印)(?:了|着|出来)~6(?<!您)<SELF>(?:去|再)?(?:看|瞧|瞅)", "POLITE"),
    (4, r"<WALL>~8(?:看不见|看不到|没看见|没看到|不会看)", "POLITE"),
    # (5) 不归我管,问别人去。
    (5, r"不(?:归|属于)~4管|不归(?:<ME>)", "POLITE"),
    (5, r"不是(?:<ME>)(?:这儿|这里|窗口|部门)?(?:管|负责|办)的|(?:<ME>)管不(?:着|了)", "POLITE"),
    (
        5,
        r"不关(?:<ME>)(?:的|什么)?事|关(?:<ME>)(?:什么|啥|屁)事|不是(?:<ME>)(?:这儿|这里)?的事|跟(?:<ME>)(?:没关系|无关)",
        None,
    ),
    (
        5,
        r"(?<!不用)(?<!不必)(?<!无需)(?<!没必要)(?:问|找|去)(?:一下)?(?:<OTHER>)(?:去|吧|问|办|找)?",
        "POLITE",
    ),
    (5, r"(?:是|归)(?:<OTHER>)(?:的事|管的|负责的|管)", "POLITE"),
    (5, r"别(?:在|来|找)(?:<ME>)(?:这儿|这里|这)?(?:问|办|找|说)?", "POLITE"),
    (5, r"跟(?:<ME>)(?:说|讲)(?:也)?没用", None),
    # (6) 不是已经给您说了吗?怎么还不清楚!
    (6, r"不是~6(?:<SAY>)(?:过)?(?:<YOU>|您)?(?:了|过)+(?!算)(?:吗|嘛|么)?", "AGAIN"),
    (6, r"不是~6(?:<SAY>)(?:过)?(?:<YOU>|您)?(?:吗|嘛|么)", "AGAIN"),
    (6, r"(?<!您)(?:<SAY>)(?:了|过)+~3<TIMES>", "AGAIN"),
    (6, r"怎么(?:还|又|老|总)(?:是)?~2(?:不|没)?~2(?:清楚|明白|懂|会|问|记不住)", "AGAIN"),
    (6, r"(?:还|又)(?:是)?(?:听|搞|弄|看)?(?:不|没)(?:明白|懂|清楚)吗", "AGAIN"),
    (
        6,
        r"(?:已经|刚才|刚刚|早就)(?:都)?(?:<SAY>)(?:过)?(?:<YOU>)?(?:了|过)(?=。|$|吗|嘛|么|<YOU>|还|怎么)",
        "POLITE",
    ),
    (6, r"(?:说|讲)了?半天~4(?:不|没)~2(?:明白|懂|清楚)", "AGAIN"),
    # (7) 不会填,找其他人去。
    (7, r"不会(?:<FILL>)~~8(?:找|问|让|叫)(?:<OTHER>|人|代办|中介)(?:去|问)?", "POLITE"),
    (7, r"不会(?:<FILL>)~2还(?:来|问|好意思)", None),
    (7, r"(?:<FILL>)不(?:来|了|好|对)~6(?:找|问)(?:<OTHER>|人|代办|中介)", "POLITE"),
    (7, r"连~6都(?:不会|不懂得?)(?:<FILL>)|都(?:不会(?:<FILL>)|(?:<FILL>)不(?:好|来|对|明白))", "POLITE"),
    (7, r"(?:<FILL>)个?(?:表|字)~2都(?:不会|不懂)", "POLITE"),
    (7, r"不会(?:<FILL>)~4(?:<SELF>想办法|<SELF>看着办|别问我|别(?:<FILL>))", "POLITE"),
    # (8) 急什么,这不是系统问题吗,我也急!
    (8, r"(?:着急|急|催|慌)(?:什么|啥|个啥|个什么)(?:急|催)?|着(?:什么|啥)急", None),
    (8, r"急{3,}|就知道(?:急|催)|(?:急|催)~4(?:我也没办法|有什么办法|没办法)", None),
    (8, r"<SYS>~6好了再(?:说|办|来)", "POLITE"),
    (8, r"<YOU>(?:着急|急)~2我(?:也|更)(?:着急|急)", None),
    (8, r"我(?:也|更)(?:很|挺|更)?(?:着急|急)", "POLITE"),
    (
        8,
        r"(?:别|不要)(?:再|一直|老是|总是|老|总)?催|(?:催|急|着急)(?:我|我们)?(?:也|有什么|又有什么)(?:没用|用)",
        None,
    ),
    (
        8,
        r"<SYS>~8(?:我也没办法|我有什么办法|有什么办法|我能怎么办|又不是我|不是我的问题|不怪我|跟我没关系|我也没招|等着)",
        "POLITE",
    ),
    (8, r"不是(?:<ME>)的(?:问题|错|责任)~6<SYS>|不是<SYS>(?:的)?(?:问题|故障)(?:吗|嘛|么)", "POLITE"),
    # (9) 瞎说什么,没看见我一直在忙吗?
    (9, r"(?:瞎|胡|乱)(?:说|讲|扯|咧咧|嚷嚷|嚷)(?:什么|啥|八道)?", None),
    (9, r"没有?(?:<SEE>)?(?:我|人家)~4忙", None),
    (
        9,
        r"(?<!您)我(?:这边|这里|手上|手头|这|正在|正|一直|在|都|还|现在|可){0,3}忙(?:着|得很)?(?!完)|没空(?!位|座|格|白|调)",
        "POLITE",
    ),
    (9, r"没有?(?:<SEE>)(?:我|人家)~2(?:在|正在|正)(?:接电话|打电话|办|弄|处理)", None),
    (9, r"没(?:空|工夫|时间)(?:理|搭理|管)<YOU>", None),
    # (10) 有意见,找领导去。
    (
        10,
        r"(?:(?:有意见|有本事|不满意|不服气?)~4)?(?:找|去找)(?:我们|咱们|你们)?(?:的)?(?:<LEADER>)(?:去|吧|好了|说|反映)?",
        "POLITE",
    ),
    (10, r"(?:<YOU>|就)?(?:去|随便|尽管|只管)投诉|投诉(?:去|好了|吧|呗|就是了|随便|随你|我)", "POLITE"),
    (10, r"(?:去|<YOU>)告(?:我们|我)(?:去|吧)?|(?:去|<YOU>)去?告(?=。|$|去|吧)|告(?:我们|我)去", "POLITE"),
    (10, r"有本事~6(?:找|告|投诉)", None),
    (10, r"(?:跟|和|向|给)(?:我们|咱们|你们)?的?(?:<LEADER>)(?:说|讲|反映|提|告)去", "POLITE"),
    (
        10,
        r"投诉<YOU>?就(?:去)?投诉|<YOU>就(?:去)?投诉|(?:差评|投诉)(?:就|随便|随你)|(?:随便|尽管)(?:差评|评价|评)",
        None,
    ),
    # (11) 其他有损人格、伤自尊心、伤感情、易诱发矛盾的语言
    (11, r"爱([\u4e00-\u9fff])不\1|爱(咋|怎么|怎样|啥)样?\2|有完没完|不可理喻|<YOU>是猪|蠢猪", None),
    (11, r"拉倒|不办就(?:走|滚|算了|算)|要办就办|到底办不办|耽误我", None),
    (11, "|".join(HURTFUL.split()), None),
    (
        11,
        r"(?:这么简单|这点|这么点|这)~4都(?:不会|不懂|(?:办|做|弄|搞|说)?不(?:明白|好|会|懂|清楚))(?=。|$|吗|么|还|你|就|真)",
        None,
    ),
    (11, r"爱([\u4e00-\u9fff])谁\1谁|(?:吼|嚷|喊|吵|凶)什么|叫什么叫", None),
    (11, r"(?:耳朵|脑子|眼睛|脑袋)(?:是不是)?(?:有问题|进水|不好使|坏了|有病|不够用|瞎|长哪|聋)", "POLITE"),
    (11, r"(?:看不懂|不会|听不懂|不懂|看不清)~2就?别(?:来|办)|<YOU>这(?:些|种|号|样的)人", None),
    (11, r"(?<!您)<YOU>(?:是|是不是|到底|还)?(?:听不懂|听不明白|看不懂|聋|瞎)", None),
    (11, "|".join(HURTFUL_UNLESS_POLITE.split()), "POLITE"),
)

# ─── Normalisation ───────────────────────────────────────────────────────────────────────────────────
HARD_STOPS = frozenset("。.!！?？;；\n\r")
# Modal particles carry tone, not meaning; dropping them lets "写着呢自己看" match "写着自己看".
PARTICLES = frozenset("啊呀呢吧哦啦哇噢嘞咯喔")
SENTENCE = "。"


_STOP, _DROP = "stop", ""
_CHAR_CACHE: dict[str, str] = {}


def _fold(ch: str) -> str:
    """One original character as normalised text: "" to drop it, _STOP for a sentence end."""
    folded = _CHAR_CACHE.get(ch)
    if folded is None:
        out = []
        for c in unicodedata.normalize("NFKC", ch).lower():
            if c in HARD_STOPS:
                out = [_STOP]
                break
            # punctuation, spaces, symbols, controls (commas, quotes, "……") and modal particles go
            if c not in PARTICLES and unicodedata.category(c)[0] not in "PZSC":
                out.append(c)
        folded = _CHAR_CACHE[ch] = "".join(out)
    return folded


def normalise(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the offset of the original character."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold(ch)
        if not folded:
            continue
        if folded == _STOP:
            if out and out[-1] != SENTENCE:  # one mark per boundary
                out.append(SENTENCE)
                index.append(i)
        elif folded == "嘛" and not (out and out[-1] in "干做"):  # 嘛 is a particle except in 干嘛/做嘛
            continue
        else:
            for c in folded:
                out.append(c)
                index.append(i)
    return "".join(out), index


def _required(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of `pattern` contains at least one; None when that cannot be told.

    check() skips a rule none of whose strings occur in the text, which keeps clean text cheap. Reading
    the pattern uses the stdlib's own regex parser; should that ever change, every rule simply always runs.
    """
    try:
        from re import _constants as sre
        from re import _parser
    except ImportError:  # pragma: no cover - a Python without the private parser
        return None

    def better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
        # the longer shortest string is the rarer one; then the fewer alternatives
        if a is None or b is None:
            return a if b is None else b
        return a if (min(map(len, a)), -len(a)) >= (min(map(len, b)), -len(b)) else b

    def seq(items) -> frozenset[str] | None:
        best: frozenset[str] | None = None
        run = ""
        for op, av in items:
            if op is sre.LITERAL:
                run += chr(av)
                continue
            if run:
                best, run = better(best, frozenset([run])), ""
            best = better(best, one(op, av))
        return better(best, frozenset([run])) if run else best

    def one(op, av) -> frozenset[str] | None:
        if op is sre.IN:
            chars = [chr(v) for o, v in av if o is sre.LITERAL]
            return frozenset(chars) if len(chars) == len(av) else None
        if op is sre.SUBPATTERN:
            return seq(av[-1])
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            return seq(av[2]) if av[0] >= 1 else None
        if op is sre.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                got = seq(branch)
                if got is None:
                    return None
                union |= got
            return frozenset(union)
        return None  # assertions, anchors, back-references, "any": no promise

    try:
        return seq(_parser.parse(pattern))
    except Exception:  # noqa: BLE001 - an unreadable pattern just loses the shortcut
        return None


def _expand(pattern: str) -> str:
    """Turn the rule syntax (<CLASS>, ~n, ~~n) into a regex."""
    pattern = re.sub(r"<([A-Z]+)>", lambda m: "(?:" + CLASSES[m.group(1)] + ")", pattern)
    pattern = re.sub(r"~~(\d+)", lambda m: ".{0," + m.group(1) + "}?", pattern)
    return re.sub(r"~(\d+)", lambda m: "[^" + SENTENCE + "]{0," + m.group(1) + "}?", pattern)


@dataclass(frozen=True)
class Hit:
    """One flagged span of the original text."""

    item: int  # 1..11 of rule 60
    start: int  # offset into the original text
    end: int  # exclusive
    suggestion: str  # the standard phrase to use instead (or the advice when there is none)

    @property
    def rule(self) -> str:
        return f"60({self.item})"


@dataclass(frozen=True)
class _Rule:
    item: int
    regex: re.Pattern[str]
    defuse: re.Pattern[str] | None
    order: int
    needs: frozenset[str] | None = None  # one of these strings must occur, else the rule is skipped


class Guard:
    """Marks forbidden wording of rule 60 in a text; precompiled, check() is pure and fast."""

    def __init__(self, suggestions: Mapping[int, str], seeds: Iterable[tuple[int, str]] = ()) -> None:
        """`suggestions` maps item → text shown to the clerk; `seeds` are the rule's own sentences (item, text)."""
        self.suggestions = dict(suggestions)
        defusers = {name: re.compile(rx) for name, rx in DEFUSERS.items()}
        rules: list[_Rule] = []
        for item, pattern, defuse in RULES:
            rx = _expand(pattern)
            rules.append(
                _Rule(item, re.compile(rx), defusers[defuse] if defuse else None, len(rules), _required(rx))
            )
        # The seed sentences themselves, as written in taboo.toml, are always caught.
        for item, seed in seeds:
            norm = normalise(seed)[0].strip(SENTENCE)
            if 1 <= item <= 10 and len(norm) >= 3:
                literal = "".join(re.escape(c) if c != SENTENCE else SENTENCE + "?" for c in norm)
                rules.append(_Rule(item, re.compile(literal), None, len(rules), frozenset([norm[:2]])))
        self._rules = tuple(rules)

    @classmethod
    def from_scripts(cls, scripts) -> Guard:
        """A guard whose suggestions come from the taboo list of the loaded scripts."""
        suggestions: dict[int, str] = {}
        seeds: list[tuple[int, str]] = []
        for taboo in scripts.taboo:
            text = ""
            for pid in taboo.instead:
                try:
                    text = scripts.phrase(pid).template
                    break
                except KeyError:  # a hall file may name a phrase it dropped; fall through to the advice
                    continue
            suggestions[taboo.item] = text or taboo.advice
            seeds.append((taboo.item, taboo.seed))
        return cls(suggestions, seeds)

    def check(self, text: str) -> list[Hit]:
        """The forbidden spans of `text`, sorted by start and non-overlapping."""
        norm, index = normalise(text)
        if not norm:
            return []
        found: list[tuple[int, int, int, int]] = []  # (start, end, item, order) in normalised offsets
        for rule in self._rules:
            if rule.needs is not None and not any(n in norm for n in rule.needs):
                continue
            for m in rule.regex.finditer(norm):
                s, e = m.span()
                if e > s and not (rule.defuse and self._defused(norm, s, e, rule.defuse)):
                    found.append((s, e, rule.item, rule.order))
        if not found:
            return []
        # Longest first: the most specific reading wins an overlap ("怎么还不清楚" is 60(6), not 60(3)).
        found.sort(key=lambda f: (f[0] - f[1], f[3]))
        taken: list[tuple[int, int, int]] = []
        for s, e, item, _ in found:
            if all(e <= ts or s >= te for ts, te, _ in taken):
                taken.append((s, e, item))
        taken.sort()
        merged: list[list[int]] = []
        for s, e, item in taken:
            # Neighbouring hits of the same item ("不知道，你别问我！" pieces) are one warning.
            if merged and merged[-1][2] == item and s - merged[-1][1] <= 1:
                merged[-1][1] = e
            else:
                merged.append([s, e, item])
        return [
            Hit(item, index[s], index[e - 1] + 1, self.suggestions.get(item, "")) for s, e, item in merged
        ]

    @staticmethod
    def _defused(norm: str, s: int, e: int, defuse: re.Pattern[str]) -> bool:
        """Whether a polite context near the match (same sentence) defuses it."""
        lo = max(norm.rfind(SENTENCE, 0, s) + 1, s - DEFUSE_WINDOW)
        hi = norm.find(SENTENCE, e)
        hi = min(len(norm) if hi < 0 else hi, e + DEFUSE_WINDOW)
        return defuse.search(norm, lo, hi) is not None


@functools.cache
def shared_guard() -> Guard:
    """One guard, built on first use, for checks that need no suggestions (a hall's phrases at load).

    It knows no scripts (so loading the scripts can use it without an import cycle); the patterns alone
    catch the seed sentences of rule 60 as well.
    """
    return Guard({})


def lint_record(guard: Guard, text: str) -> dict:
    """A JSON-ready record of one check: {"text", "flagged", "hits": [{"rule","start","end","suggestion"}]}."""
    hits = guard.check(text)
    return {
        "text": text,
        "flagged": bool(hits),
        "hits": [{"rule": h.rule, "start": h.start, "end": h.end, "suggestion": h.suggestion} for h in hits],
    }


@dataclass(frozen=True)
class Scores:
    """How a guard fares on a labelled set ({"text", "item": 1..11 or None} records)."""

    taboo: int  # labelled sentences with an item
    polite: int  # labelled sentences without one
    caught: int  # taboo sentences with at least one hit
    false_alarms: tuple[str, ...]  # polite sentences that were flagged
    misses: tuple[str, ...]  # taboo sentences that were not
    wrong_item: tuple[str, ...]  # caught, but no hit names the labelled item

    @property
    def recall(self) -> float:
        return self.caught / self.taboo if self.taboo else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / self.polite if self.polite else 0.0

    @property
    def item_accuracy(self) -> float:
        """Among caught taboo sentences, the share where a hit names the labelled item of rule 60."""
        return (self.caught - len(self.wrong_item)) / self.caught if self.caught else 1.0


def evaluate(guard: Guard, records: Iterable[Mapping]) -> Scores:
    """Recall, false alarms and item accuracy of `guard` on labelled records."""
    taboo = polite = caught = 0
    false_alarms: list[str] = []
    misses: list[str] = []
    wrong: list[str] = []
    for record in records:
        text, item = record["text"], record["item"]
        items = {hit.item for hit in guard.check(text)}
        if item is None:
            polite += 1
            if items:
                false_alarms.append(text)
        else:
            taboo += 1
            if not items:
                misses.append(text)
            else:
                caught += 1
                if item not in items:
                    wrong.append(text)
    return Scores(taboo, polite, caught, tuple(false_alarms), tuple(misses), tuple(wrong))
