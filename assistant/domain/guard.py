"""The taboo guard: catches the forbidden phrases of rule 60 (服务忌语) in text the clerk composes.

The guard understands patterns rather than a list of sentences:

1. the text is normalised (traditional → simplified by OpenCC, full/half width, case, whitespace, punctuation,
   modal particles), keeping a map from every normalised character back to its offset in the original text;
2. characters the patterns do not name stand for their toneless syllable (Sounds), so a pinyin-input typo
   (斑 for 班, 铃 for 领) still meets the pattern;
3. each rule is a sequence of concept slots (synonym classes such as ``<KNOW>`` = 知道/清楚/晓得/明白) joined by
   bounded gaps (``~6`` = up to six characters, never across the end of a sentence; ``~~6`` may cross it);
4. a match of a "soft" rule is defused by help given around it (帮您, 我来, 核实, 答复…) — politeness alone (您,
   请, 不好意思) is no alibi — and a 60(5) match by a place, phone or address named in the text (rule 10);
5. overlapping matches keep the longest (the most specific reading); adjacent hits of the same item merge.

The pattern knowledge below is detection logic (declared data tables). What the clerk is shown — the rule's
seed text, the standard phrase to use instead and the advice — and the lexicon of each item (60(11)'s insults,
which a hall extends) come from ``scripts_zh/taboo.toml``.
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
        r"|别的部门|其他部门|其它部门|别的单位|其他单位|其它单位|隔壁|旁边的人|边上的人"
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
    "WORK": r"上班|开门|营业|办公|开工|上岗|开始办公|开始上班",
    "DONT": r"别|莫|甭|不要|少",  # 莫问我, 甭问了
    "HOW": r"怎么|咋|怎",
}

# ─── Contexts that defuse a "soft" rule ──────────────────────────────────────────────────────────────
# HELP and AGAIN are searched in the same sentence within DEFUSE_WINDOW characters either side of the match;
# PLACE anywhere in the text. Politeness alone (您, 请, 不好意思) defuses nothing: "您要是不会填，就找别人去吧"
# is still a refusal. What defuses is help offered or given.
DEFUSERS: dict[str, str] = {
    # an offer of help: the clerk is serving, not brushing off
    "HELP": (
        r"(?<![人家])帮您|为您|替您|教您|陪您|带您|我来|我去问|我问一下|我帮|核实|请示|咨询一下|答复|回复|马上为|尽快|第一时间|告诉您|指引|引导|具体去哪|怎么走"
        r"|给您(?:办|查|问|指|写|打印|拿|找|联系|讲讲|详细|解释|介绍|安排|预约)|我再|稍候|稍等|休息区"
    ),
    # item 6 quotes "给您" itself: only an offer to explain again defuses it
    "AGAIN": r"(?:我|再)(?:给您|跟您|为您|和您)?(?:重新|再|详细|慢慢)?(?:说|讲|解释)(?:一遍|一下)|是我没",
    # a referral that names the right place, phone or address is what rule 10 asks for, not 60(5)
    "PLACE": (
        r"[0-9一二三四五六七八九十]+(?:号|楼|层|座|室)|电话|分机|地址|联系人|[0-9]{3,}|[路街巷]|对面"
        r"|(?:医保|社保|税务|公积金|不动产|户籍|民政|人社|综合|咨询|服务)(?:窗口|台|中心|局)"
    ),
}
# which of them a rule's defuser name stands for
DEFUSER_SETS: dict[str, tuple[str, ...]] = {
    "HELP": ("HELP",),
    "AGAIN": ("AGAIN",),
    "REFER": ("HELP", "PLACE"),
}
TEXT_WIDE = frozenset({"PLACE"})
DEFUSE_WINDOW = 15

# Hurtful wording of item 11 that needs a pattern (regex fragments separated by white space); the plain words
# of insult and contempt are the lexicon in taboo.toml, which a hall extends.
HURTFUL = r"""
    <YOU>(?:是不是)?有毛病 <YOU>(?:是不是|真|就是)?有病(?!历|人|史|假|例|房|残|号|情|症|种|患) 有病(?=。|$)
    脑子(?:有问题|进水|不好使|坏了|有病|不够用) 素质(?:差|低|真差) 别(?:来)?烦(?:我|人) (?<!麻)烦人
    关<YOU>(?:什么|屁|啥)事 不是人(?:话|干的) 算个?(?:什么|啥)东西 闭上<YOU>的?嘴
"""
# Words that hurt unless the sentence around them offers help ("您一把年纪了还亲自跑一趟，我帮您办").
HURTFUL_UNLESS_HELPED = r"""
    啰嗦 啰唆 罗嗦 唠叨 找麻烦 事儿多 事真多 毛病多 一把年纪 不懂事 农村来的 懂不懂 随你 随便你
    还是怎么(?:的|着) 有本事 你这人 识字 什么态度 事多(?!久|少|长) 说不清 见多了 乡下人
"""

# ─── Rules ───────────────────────────────────────────────────────────────────────────────────────────
# (item of rule 60, pattern, defuser or None). Pattern syntax: <CLASS> a synonym class, ~n a gap of at most
# n characters inside one sentence (~~n: also across a sentence end, for "不会填？找别人去"); everything else
# is a regex over the normalised text. Order breaks ties between equally long matches. A defuser marks a
# "soft" rule: wording that is rude only when nothing polite surrounds it.
RULES: tuple[tuple[int, str, str | None], ...] = (
    # (1) 还没上班,等等,上班再办!
    (
        1,
        r"(?:还没有?|还未|没有?|还不到|不到|没到)来?(?:<WORK>)(?:时间|点)?|离(?:<WORK>)(?:时间)?还(?:有|差)",
        "HELP",
    ),
    (1, r"还?(?:没有?|不)到(?:<NUM>点|点|时间|钟点)", "HELP"),
    (1, r"(?:时间|点)还?(?:没有?|不)到", "HELP"),
    (1, r"等(?:到)?(?:<WORK>)|(?:<WORK>|到点)(?:时间)?(?:了|以后|之后|后|以)*再(?:办|来|说|弄)", "HELP"),
    (1, r"(?:现在|今天|这会儿)(?:不|没法)(?:办|给办|受理)(?!理)", "HELP"),
    (1, r"都几点了", None),
    (1, r"(?:<NUM>点|点)?才(?:<WORK>)", "HELP"),
    (1, r"(?:一会儿?|等会儿?|待会儿?|过会儿?|下午|明天|改天|过两天)再(?:来|办|说)", "HELP"),
    (1, r"(?:午休|吃饭|休息)(?:时间)?~6再(?:来|办|说)|还早~2(?:等|再来)", "HELP"),
    (1, r"下班~6(?:明天|改天|下次|后天|下周|过两天)(?:再)?(?:来|办|说)?|下班~6下午再?(?:来|办|说)", "HELP"),
    # (2) 没叫你的号,谁叫你挤进来的!
    (
        2,
        r"(?:没有?|不)(?:(?:叫|喊|轮|排)(?:到|着)?|到)<YOU>(?:的)?号?|号还?(?:没有?|不)(?:叫|喊|轮)?到(?:<YOU>|(?=。|$))",
        "HELP",
    ),
    (2, r"谁(?:叫|让|喊|允许|请|放)<YOU>~2进来|没叫号~4进来", None),
    (
        2,
        r"挤什么|挤啥|往前挤|挤进来|挤到?(?:前面|前边|里面|里边)|往(?:里|前)(?:挤|钻|闯|凑|冲)(?:什么|啥)",
        None,
    ),
    (2, r"(?:没|不)(?:叫|喊|轮)到?号~6(?:进来|出去|挤)", "HELP"),
    (2, r"<YOU>的?号还?(?:没有?|不)到|插(?:什么|啥)?队|加塞", "HELP"),
    (2, r"别~4挤", "HELP"),
    (
        2,
        (
            r"(?:出去|一边)(?:等着|排着|排队|待着|等)|(?:^|(?<=。))到?(?:外面|门口|后面)(?:等着|排着|待着)"
            r"|(?:外面|门口|后面|后头|后边)(?:等着|排着|待着)去|去(?:外面|门口|后面|后头|后边)(?:等着|排着|待着)|排队去|往后(?:站|排|退|去)"
        ),
        "HELP",
    ),
    # (3) 不知道,你别问我!
    (3, r"<NEG><KNOW>~~8<DONT>(?:来|再)?问(?:我|了)?", None),
    (3, r"<DONT>(?:来|再)?问我~6<NEG><KNOW>", None),
    (3, r"(?:<NEG><KNOW>~4)?问我(?:干什么|干嘛|干啥|做什么|有什么用|也?没用|我问谁)", None),
    (3, r"(?:我|俺)(?:上|去|从)?(?:哪儿|哪里|哪|怎么|咋)(?:会)?(?:<KNOWS>)", "HELP"),
    (
        3,
        r"(不知道|不清楚|不晓得)(?:就是)?\1|(?:不清楚){2}|(?:^|(?<=。))(?:不知道|不晓得|不清楚)(?=。|$)",
        None,
    ),
    (3, r"(?:我|俺)(?:也|真|确实|实在|是|根本|压根|可|还真|就|真的)?(?:不|没)(?:太)?(?:<KNOWS>)", "HELP"),
    (3, r"<DONT>(?:来|再)?问我|谁知道", "HELP"),
    (3, r"(?:鬼|天|谁)晓得|鬼知道|天知道", None),
    # (4) 墙上贴着呢,你自己看看,就知道了。
    (4, r"<WALL>~10<SELF>(?:去|再)?(?:<LOOK>)(?:(?:看|一下)?~3就(?:<KNOW>))?", "HELP"),
    (4, r"<SELF>(?:去)?(?:看|瞧|瞅)(?:看|一下)?去?~3<WALL>", "HELP"),
    (4, r"<SELF>~3(?:看|瞧|查)(?:看|一下)?~3就(?:<KNOW>|会)", "HELP"),
    (4, r"<SELF>(?:不会|不能|就不会)(?:看|查|瞧)|不会<SELF>(?:看|查|瞧)", "HELP"),
    (4, r"<WALL>~3(?:都|不是)?(?:<POSTED>)着(?=。|$|吗|嘛|么|<YOU>|<SELF>|不会|看|就)", "HELP"),
    (4, r"看<WALL>去", "HELP"),
    (4, r"<WALL>~6不?就(?:<KNOW>)", "HELP"),
    (4, r"(?:公示|贴|挂|印)(?:了|着|出来)~6<SELF>(?:去|再)?(?:看|瞧|瞅)", "HELP"),
    (4, r"<WALL>~8(?:看不见|看不到|没看见|没看到|不会看)", "HELP"),
    # (5) 不归我管,问别人去。
    (5, r"不(?:归|属于)~4管|不归(?:<ME>)", "REFER"),
    (5, r"不是(?:<ME>)(?:这儿|这里|这边|这块|窗口|部门)?(?:管|负责|办)?的|(?:<ME>)?管不(?:着|了)", "REFER"),
    (5, r"(?:这个|这事|这些)(?:<ME>)(?:不管|管不着|不负责)(?=。|$)", "REFER"),
    (5, r"(?:<OTHER>)(?:问|找|办|打听)去|(?:<ME>)(?:不管|不负责|不办)(?:这个|这事|这些|这种|这类)", "REFER"),
    (
        5,
        r"不关(?:<ME>)(?:的|什么)?事|关(?:<ME>)(?:什么|啥|屁)事|不是(?:<ME>)(?:这儿|这里)?的事|跟(?:<ME>)(?:没关系|无关)",
        None,
    ),
    (
        5,
        r"(?<!不用)(?<!不必)(?<!无需)(?<!没必要)(?:问|找|去)(?:一下)?(?:<OTHER>)(?:去|吧|问|办|找)?",
        "REFER",
    ),
    (5, r"(?:是|归)(?:<OTHER>)(?:的事|管的|负责的|管)", "REFER"),
    (5, r"别(?:来|再)?(?:在|来|找)(?:<ME>)(?:这儿|这里|这)?(?:问|办|找|说)?", "REFER"),
    (5, r"跟(?:<ME>)(?:说|讲)(?:也)?没用", None),
    # (6) 不是已经给您说了吗?怎么还不清楚!
    (6, r"不是~6(?:<SAY>)(?:过|清楚|明白)?(?:<YOU>|您)?(?:了|过)+(?!算)(?:吗|嘛|么)?", "AGAIN"),
    (6, r"不是~6(?:<SAY>)(?:过)?(?:<YOU>|您)?(?:吗|嘛|么)", "AGAIN"),
    (6, r"(?<!您)(?:<SAY>)(?:了|过)+~3<TIMES>", "AGAIN"),
    (6, r"<HOW>(?:还|又|老|总)(?:是)?~2(?:不|没)?~2(?:清楚|明白|懂|会|问|记不住)", "AGAIN"),
    (6, r"(?:还|又)(?:是)?(?:听|搞|弄|看)?(?:不|没)(?:明白|懂|清楚)吗", "AGAIN"),
    (
        6,
        r"(?:已经|刚才|刚刚|早就)(?:都)?(?:(?:跟|给|和|对)(?:<YOU>|您))?(?:<SAY>)(?:过)?(?:<YOU>)?(?:了|过)(?=。|$|吗|嘛|么|<YOU>|还|怎么)",
        "HELP",
    ),
    (
        6,
        r"(?:说|讲)了?半天~4(?:不|没)~2(?:明白|懂|清楚)|(?:<SAY>)(?:完|过)~4(?:<YOU>|您)?(?:又|还)(?:来)?问",
        "AGAIN",
    ),
    # (7) 不会填,找其他人去。
    (7, r"不会(?:<FILL>)~~8(?:找|问|让|叫)(?:<OTHER>|人|代办|中介)(?:去|问)?", "HELP"),
    (7, r"不会(?:<FILL>)~2还(?:来|问|好意思)", None),
    (7, r"(?:<FILL>)不(?:来|了|好|对)~6(?:找|问|让|叫|请)(?:<OTHER>|人|代办|中介)", "HELP"),
    (
        7,
        r"不会(?:<FILL>)~~8(?:找|叫|让)个?(?:会|懂)(?:<FILL>)?的|(?:找|叫)个?(?:会|懂)(?:<FILL>)(?:表)?的人?来",
        "HELP",
    ),
    (7, r"连~6都(?:不会|不懂得?)(?:<FILL>)|都(?:不会(?:<FILL>)|(?:<FILL>)不(?:好|来|对|明白))", "HELP"),
    (7, r"(?:<FILL>)个?(?:表|字)~2都(?:不会|不懂)", "HELP"),
    (7, r"不会(?:<FILL>)~4(?:<SELF>想办法|<SELF>看着办|别问我|别(?:<FILL>))", "HELP"),
    # (8) 急什么,这不是系统问题吗,我也急!
    (8, r"(?:着急|急|催|慌)(?:什么|啥|个啥|个什么)(?:急|催)?|着(?:什么|啥)急", None),
    (8, r"急{3,}|就知道(?:急|催)|(?:急|催)~4(?:我也没办法|有什么办法|没办法)", None),
    (8, r"<SYS>~6好了再(?:说|办|来)", "HELP"),
    (8, r"<YOU>(?:着急|急)~2我(?:也|更)(?:着急|急)", None),
    (8, r"我(?:也|更)(?:很|挺|更)?(?:着急|急)", "HELP"),
    (
        8,
        r"(?:别|不要)(?:再|一直|老是|总是|老|总)?催|(?:催|急|着急)(?:我|我们)?(?:也|有什么|又有什么)(?:没用|用|白搭)",
        None,
    ),
    (
        8,
        r"<SYS>~8(?:我也没办法|我有什么办法|有什么办法|我能怎么办|(?:有|能有)(?:什么|啥)(?:办法|法子|招)|又不是我|不是我的问题|不怪我|跟我没关系|我也没招|没法子|没辙|白搭|等着)",
        "HELP",
    ),
    (8, r"不是(?:<ME>)的(?:问题|错|责任)~6<SYS>|不是<SYS>(?:的)?(?:问题|故障)(?:吗|嘛|么)", "HELP"),
    # (9) 瞎说什么,没看见我一直在忙吗?
    (9, r"(?:瞎|胡|乱)(?:说|讲|扯|咧咧|嚷嚷|嚷)(?:什么|啥|八道)?", None),
    (9, r"没有?(?:<SEE>)?(?:我|人家)~4忙", None),
    (9, r"别(?:打扰|打搅)我", "HELP"),
    (
        9,
        r"(?<!您)我(?:这边|这里|手上|手头|这|正在|正|一直|在|都|还|现在|可){0,3}忙(?:着|得很)?(?!完)|没空(?!位|座|格|白|调)",
        "HELP",
    ),
    (9, r"没有?(?:<SEE>)(?:我|人家)~2(?:在|正在|正)(?:接电话|打电话|办|弄|处理)", None),
    (9, r"没(?:空|工夫|时间)(?:理|搭理|管)<YOU>", None),
    # (10) 有意见,找领导去。
    (
        10,
        r"(?:(?:有意见|有本事|不满意|不服气?)~4)?(?:找|去找)(?:我们|咱们|你们)?(?:的)?(?:<LEADER>)(?:去|吧|好了|说|反映)?",
        "HELP",
    ),
    (10, r"(?:<YOU>|就)?(?:去|随便|尽管|只管)投诉|投诉(?:去|好了|吧|呗|就是了|随便|随你|我)", "HELP"),
    (10, r"(?:去|<YOU>)告(?:我们|我)(?:去|吧)?|(?:去|<YOU>)去?告(?=。|$|去|吧)|告(?:我们|我)去", "HELP"),
    (10, r"有本事~6(?:找|告|投诉)", None),
    (10, r"(?:跟|和|向|给)(?:我们|咱们|你们)?的?(?:<LEADER>)(?:说|讲|反映|提|告)去", "HELP"),
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
    (11, r"爱([\u4e00-\u9fff])谁\1谁|(?:吼|嚷|喊|吵|凶)什么|叫什么叫|(?:跟|和)<YOU>~2(?:说|讲)不通", None),
    (11, r"(?:耳朵|脑子|眼睛|脑袋)(?:是不是)?(?:有问题|进水|不好使|坏了|有病|不够用|瞎|长哪|聋)", "HELP"),
    (11, r"(?:看不懂|不会|听不懂|不懂|看不清)~2就?别(?:来|办)|<YOU>这(?:些|种|号|样的)人", None),
    (11, r"(?<!您)<YOU>(?:是|是不是|到底|还)?(?:听不懂|听不明白|看不懂|聋|瞎)", None),
    (11, "|".join(HURTFUL_UNLESS_HELPED.split()), "HELP"),
)

# ─── Normalisation ───────────────────────────────────────────────────────────────────────────────────
HARD_STOPS = frozenset("。.!！?？;；\n\r")
# Modal particles carry tone, not meaning; dropping them lets "写着呢自己看" match "写着自己看".
PARTICLES = frozenset("啊呀呢吧哦啦哇噢嘞咯喔")
SENTENCE = "。"
# After OpenCC's traditional→simplified conversion: 著 is also a simplified character (著作), but in speech
# it is the aspect particle 着 ("貼著呢" → "贴著呢").
AFTER_T2S = str.maketrans({"著": "着"})


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


@functools.cache
def _t2s():
    """OpenCC's traditional→simplified converter (an IME's 繁體 toggle must not hide the seed's wording)."""
    import opencc  # the maintained binding of OpenCC; about 8 ms, paid once when the first guard is built

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """`text` in simplified characters, one character for each original one (offsets stay valid)."""
    if text.isascii():
        return text
    converted = _t2s().convert(text)
    if len(converted) != len(text):  # a phrase conversion changed the length: fall back to single characters
        converted = "".join(c if len(c) == 1 else o for o, c in zip(text, map(_t2s().convert, text)))
    return converted.translate(AFTER_T2S)


def normalise(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the offset of the original character."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(simplified(text)):
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


# ─── Matching by sound ───────────────────────────────────────────────────────────────────────────────
# A pinyin IME's wrong candidate (班→斑, 领→铃, 填→田) keeps the sound. Every character the patterns name
# (the vocabulary) still matches only itself in the text; any other character of the text stands for its
# toneless syllable (a private-use character), and each vocabulary character in a pattern also accepts the
# syllable it reads. So "还没上斑" meets "上班", while a character the patterns know is never taken for
# another one ("不是" is not "不时" unless 时 is foreign to every pattern).
_HAN = re.compile(r"[\u4e00-\u9fff]")
_SOUND_BASE = 0xE000  # private use area: never typed, never in a pattern
# The 220 most frequent characters of written Chinese (the head of a common frequency list): an IME offers them
# first, so a pattern does not take a homophone for them — and patterns made of plain characters are scanned
# much faster by the regex engine (it skips ahead on their first characters).
COMMON = frozenset(
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天"
    "而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些"
    "与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相"
    "次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立"
)
# Common surnames that are not everyday words: a name before a title is not a typo (赵主任, 程科长).
SURNAMES = (
    "赵钱孙李周吴郑王冯陈蒋沈韩杨朱秦许吕施孔曹魏陶姜谢邹潘彭鲁韦袁柳薛雷贺倪汤殷罗郝邬傅卞顾孟穆萧尹姚邵汪祁"
    "臧戴宋庞熊董梁杜阮闵贾娄童颜郭林钟徐邱骆蔡樊霍虞卢刘叶程黄余苏唐廖邓谭金"
)


@functools.cache
def _readings() -> dict[str, str]:
    """Character → its most common toneless syllable (GB2312 characters; generated table, no pypinyin)."""
    from assistant.domain.guard_pinyin import TABLE

    out: dict[str, str] = {}
    for line in TABLE.splitlines():
        syllable, _, chars = line.partition(" ")
        out.update(dict.fromkeys(chars, syllable))
    return out


@functools.cache
def _syllable_marks() -> dict[str, str]:
    """Syllable → the private-use character that stands for it."""
    syllables = sorted(set(_readings().values()))
    return {syl: chr(_SOUND_BASE + i) for i, syl in enumerate(syllables)}


class Sounds:
    """The sound channel for one vocabulary: how the text is rewritten and how a pattern is widened.

    A character of the text that the patterns do not name is replaced by the one vocabulary character with
    its syllable (斑 → 班), or, where several share it (班 办 半), by a mark for the syllable that each of
    them accepts in a pattern. `key` turns every character into its syllable's mark: the lexicon's longer
    words are matched on that.
    """

    def __init__(self, vocabulary: frozenset[str]) -> None:
        readings, marks = _readings(), _syllable_marks()
        heard: dict[str, list[str]] = {}
        for ch in sorted(vocabulary):
            if ch in readings:
                heard.setdefault(readings[ch], []).append(ch)
        self._widen = {
            ch: marks[syl]
            for syl, chars in heard.items()
            if len(chars) > 1
            for ch in chars
            if ch not in COMMON  # typed right: an IME offers these first
        }
        self.table = {
            ord(ch): (chars[0] if len(chars) == 1 else marks[syl])
            for ch, syl in readings.items()
            if ch not in vocabulary and (chars := heard.get(syl))
        }
        self.keys = {ord(ch): marks[syl] for ch, syl in readings.items()}

    def text(self, norm: str) -> str:
        """The normalised text with every character foreign to the patterns replaced by what it sounds like."""
        return norm.translate(self.table)

    def key(self, text: str) -> str:
        """Every character replaced by its syllable's mark."""
        return text.translate(self.keys)

    def pattern(self, regex: str) -> str:
        """`regex` with each vocabulary character that shares its sound also accepting that sound."""
        out: list[str] = []
        in_class = escaped = False
        for i, ch in enumerate(regex):
            if escaped:
                escaped = False
                out.append(ch)
                continue
            if ch == "\\":
                escaped = True
            elif ch == "[" and not in_class:
                in_class = True
            elif ch == "]" and in_class and regex[i - 1] not in "[^":
                in_class = False
            mark = self._widen.get(ch)
            if mark is None:
                out.append(ch)
            else:
                out.append(ch + mark if in_class else f"[{ch}{mark}]")
        # "any hanzi" (爱X不X) includes the marks
        return "".join(out).replace("\\u9fff]", "\\u9fff\\ue000-\\uf8ff]")


def _required(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of `pattern` contains at least one; None when that cannot be told.

    check() skips a rule none of whose strings occur in the text, which keeps clean text cheap. Reading
    the pattern uses the stdlib's own regex parser; should that ever change, every rule simply always runs.
    """
    try:
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser  # type: ignore[attr-defined]
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
class _Defuser:
    regex: re.Pattern[str]
    text_wide: bool  # searched in the whole text, not only near the match


@dataclass(frozen=True)
class _Rule:
    item: int
    regex: re.Pattern[str]
    defuse: tuple[_Defuser, ...]
    order: int
    needs: frozenset[str] | None = None  # one of these strings must occur, else the rule is skipped
    lexicon: bool = False  # a word of the lexicon: not flagged inside a harmless word ("滚动")
    keyed: bool = False  # matched on the text as sounds (Sounds.key), not on its characters; else a lexicon
    # word is matched on the text as written

    @functools.cached_property
    def needs_chars(self) -> frozenset[str]:
        """The one-character strings of `needs` (checked against the text's set of characters)."""
        return frozenset(n for n in self.needs or () if len(n) == 1)

    @functools.cached_property
    def needs_words(self) -> tuple[str, ...]:
        """The longer strings of `needs`."""
        return tuple(n for n in self.needs or () if len(n) > 1)


class Guard:
    """Marks forbidden wording of rule 60 in a text; precompiled, check() is pure and fast."""

    def __init__(
        self,
        suggestions: Mapping[int, str],
        seeds: Iterable[tuple[int, str]] = (),
        words: Mapping[int, Iterable[str]] | None = None,
        harmless: Iterable[str] = (),
    ) -> None:
        """`suggestions` maps item → text shown to the clerk; `seeds` are the rule's own sentences (item, text);
        `words` the lexicon of each item (flagged wherever they occur) and `harmless` the words that contain one
        of them innocently."""
        self.suggestions = dict(suggestions)
        # (item, regex, defuser names) before the sound channel is known
        plain: list[tuple[int, str, tuple[str, ...]]] = [
            (item, _expand(pattern), DEFUSER_SETS[defuse] if defuse else ())
            for item, pattern, defuse in RULES
        ]
        # The seed sentences themselves, as written in taboo.toml, are always caught.
        for item, seed in seeds:
            norm = normalise(seed)[0].strip(SENTENCE)
            if 1 <= item <= 10 and len(norm) >= 3:
                literal = "".join(re.escape(c) if c != SENTENCE else SENTENCE + "?" for c in norm)
                plain.append((item, literal, ()))
        # The characters that keep their identity: those of the patterns and the one-character words (傻 must
        # not be heard in 沙发), and common surnames (赵主任 is not 找主任); the longer words of the lexicon
        # are matched by sound like any typo.
        lexicon = {item: {normalise(w)[0] for w in ws} - {""} for item, ws in (words or {}).items()}
        vocabulary = frozenset(
            _HAN.findall(
                "".join(rx for _, rx, _ in plain)
                + "".join(DEFUSERS.values())
                + "".join(w for ws in lexicon.values() for w in ws if len(w) == 1)
                + SURNAMES
            )
        )
        self._sounds = sounds = Sounds(vocabulary)
        defusers = {
            name: _Defuser(re.compile(sounds.pattern(rx)), name in TEXT_WIDE) for name, rx in DEFUSERS.items()
        }
        rules: list[_Rule] = []
        for item, rx, names in plain:
            rx = sounds.pattern(rx)
            rules.append(
                _Rule(item, re.compile(rx), tuple(defusers[n] for n in names), len(rules), _required(rx))
            )
        for item, item_words in lexicon.items():
            # short words only as written (下了 is not 瞎了); longer ones by sound, one character off at most
            for keyed, chosen in (
                (False, [w for w in item_words if len(w) <= 2]),
                (True, [sounds.key(w) for w in item_words if len(w) > 2]),
            ):
                if chosen:
                    rx = "|".join(map(re.escape, sorted(chosen, key=len, reverse=True)))
                    rules.append(_Rule(item, re.compile(rx), (), len(rules), _required(rx), True, keyed))
        self._spelled = {sounds.key(w): w for ws in lexicon.values() for w in ws if len(w) > 2}
        self._rules = tuple(rules)
        harmless_words = sorted({sounds.key(normalise(w)[0]) for w in harmless} - {""}, key=len, reverse=True)
        self._harmless = re.compile("|".join(map(re.escape, harmless_words))) if harmless_words else None

    @classmethod
    def from_scripts(cls, scripts) -> Guard:
        """A guard whose suggestions and lexicon come from the taboo list of the loaded scripts."""
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
        return cls(
            suggestions,
            seeds,
            {t.item: t.words for t in scripts.taboo},
            [w for t in scripts.taboo for w in t.harmless],
        )

    def check(self, text: str) -> list[Hit]:
        """The forbidden spans of `text`, sorted by start and non-overlapping."""
        norm, index = normalise(text)
        if not norm:
            return []
        keyed = self._sounds.key(norm)
        written, norm = norm, self._sounds.text(norm)
        found: list[tuple[int, int, int, int]] = []  # (start, end, item, order) in normalised offsets
        harmless: list[tuple[int, int]] | None = None
        present = {id(t): frozenset(t) for t in (keyed, written, norm)}  # the characters of each subject
        for rule in self._rules:
            subject = keyed if rule.keyed else written if rule.lexicon else norm
            if (
                rule.needs is not None
                and present[id(subject)].isdisjoint(rule.needs_chars)
                and not any(n in subject for n in rule.needs_words)
            ):
                continue
            for m in rule.regex.finditer(subject):
                s, e = m.span()
                if e <= s or any(self._defused(norm, s, e, d) for d in rule.defuse):
                    continue
                if rule.keyed and sum(a != b for a, b in zip(written[s:e], self._spelled[keyed[s:e]])) > 1:
                    continue
                if rule.lexicon and self._harmless is not None:
                    if harmless is None:
                        harmless = [h.span() for h in self._harmless.finditer(keyed)]
                    if any(hs <= s and e <= he for hs, he in harmless):
                        continue
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
    def _defused(norm: str, s: int, e: int, defuser: _Defuser) -> bool:
        """Whether a helping context near the match (same sentence), or a place anywhere, defuses it."""
        if defuser.text_wide:
            return defuser.regex.search(norm) is not None
        lo = max(norm.rfind(SENTENCE, 0, s) + 1, s - DEFUSE_WINDOW)
        hi = norm.find(SENTENCE, e)
        hi = min(len(norm) if hi < 0 else hi, e + DEFUSE_WINDOW)
        return defuser.regex.search(norm, lo, hi) is not None


@functools.cache
def shared_guard() -> Guard:
    """One guard, built on first use, for checks that need no suggestions (a hall's phrases at load).

    It knows no scripts (so loading the scripts can use it without an import cycle): it reads the lexicon of
    the built-in taboo list itself; the patterns alone catch the seed sentences of rule 60 as well.
    """
    return Guard({}, (), *builtin_lexicon())


def builtin_lexicon() -> tuple[dict[int, tuple[str, ...]], tuple[str, ...]]:
    """The words and harmless words of the built-in scripts_zh/taboo.toml, read without the scripts loader."""
    import tomllib

    from assistant.config.scripts import (
        default_dir,
    )  # lazy: the scripts loader imports this module lazily too

    with (default_dir() / "taboo.toml").open("rb") as f:
        data = tomllib.load(f)
    entries = data.get("taboo", [])
    words = {t["item"]: tuple(t.get("words", ())) for t in entries}
    return words, tuple(w for t in entries for w in t.get("harmless", ()))


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
