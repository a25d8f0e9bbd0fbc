"""Deterministic synthetic corpus for the VADER reference fixtures (no collected text).

Every line is generated from small hand-written vocabularies with a seeded PRNG, so running the
generator twice gives the same corpus. It covers what the scorer must reproduce: tweets with
cashtags, emoji (single code points, skin tones, ZWJ sequences, flags, keycaps, variation
selectors, emoji newer than the reference's lexicon), emoticons, negations, ALL CAPS, boosters and
dampeners, "but", idioms and special cases, punctuation runs, URLs, @mentions, hashtags, HTML
entities, numbers, non-English text, unusual whitespace, and empty or whitespace-only lines.
"""
import random

SEED = 20260422

# Hand-picked edge cases: each known departure of the npm port `vader-sentiment` 1.1.3 from the
# reference 3.3.2, the reference's own examples, and rounding/tokenisation corner cases.
EDGE_CASES = [
    # emoji (the npm port has none)
    "Not bad at all $AAPL 😍",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "🤗 $TSLA", "😵 $GME", "😡😡😡 $AMC", "🥰", "🔛 ok!", "🆙🆙 moon?", "❗❓", "©2024 ®",
    # one-character tokens and punctuation stripping
    "(good)", "good.", "'bad'", "a b c good", "(:", ":)", "((bad))", ":-)", "x good", "I :( you",
    # case-insensitive negation
    "Not bad", "NOT bad", "not BAD", "Never good", "isn't good", "ISN'T GOOD at all", "Don't like $MSFT",
    # "no" negation and "without doubt"
    "no good", "no love", "no no no", "no", "good no", "no way this is bad", "no fun or happy",
    "no fun nor happy", "NO good", "Without a doubt, excellent idea.", "Without a doubt, an excellent idea.",
    "without doubt great", "without any doubt great", "without good",
    # "never so" ×1.25
    "never so good", "never this good", "never been this good", "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!", "so good", "this good", "never so bad",
    # "But" in any case
    "good but bad", "good But bad", "good BUT bad", "Bad but GOOD", "Today only kinda sux! But I'll get by, lol",
    "good good but good bad bad", "happy happy happy but sad sad sad", "but", "but good", "good but",
    "good but bad but good",
    # "kind of" and booster n-grams
    "The book was only kind of good.", "kind of good", "it is kind of sort of good", "sort of bad",
    "just enough good", "this was kind of the bad", "kinda good", "kind of", "KIND OF good",
    # boosters (the npm port knows fewer)
    "hella good", "uber cool", "effing great", "fuggin awesome", "frackin terrible", "tremendously bad",
    "utterly happy", "marginally better", "somewhat nice", "purely evil", "VERY good", "very GOOD",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    # idioms and special cases
    "to die for", "this cake is to die for", "my beating heart", "a broken heart", "the bus stop was bad",
    "at the bus stop", "badass", "such a badass!", "VADER is such a badass!", "quite bad ass",
    "On the other hand, VADER is quite bad ass", "that is the shit", "the bomb", "yeah right",
    "kiss of death", "Not such a badass after all.", "the shit is the bomb",
    # lexicon entries that differ in the npm port
    "heart", "hearts", "flawed", "I heart $NFLX", "two hearts", "a flawed plan",
    # least
    "at least good", "very least good", "least good", "the least good", "Roger Dodger is one of the least compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    # punctuation emphasis
    "good!", "good!!", "good!!!!!!!", "good?", "good??", "good???", "good????", "bad?!?!", "ok ?! ?!",
    "!!!", "???", "?", "wow!!!! so GOOD???",
    # rounding: 2 / 32 = 0.0625 and friends are exact ties
    "advanced " + "x " * 30, "acceptance " + "x " * 13, "brilliantly " + "x " * 60, "aches " + "x " * 30,
    "advanced " + "x " * 14, "good " + "x " * 30,
    # ALL CAPS rules
    "GOOD", "GOOD BAD", "GOOD bad", "HAPPY day", "I LOVE $AAPL", "ΑΒΓ good", "É good", "GREAT É",
    # Unicode case: Python's lower() and isupper() beyond ASCII
    "ΣΟΦΟΣ good", "İyi GOOD", "\u212a good", "ﬁne GOOD", "𝐆𝐎𝐎𝐃 bad", "ＧＯＯＤ bad", "ǅ GOOD", "Ⓐ GOOD",
    "🄰 GOOD", "straße GOOD", "ÉTÉ good", "good\u0301 GOOD", "CAN\u2019T good", "ISN'T GOOD",
    # whitespace and empty
    "", " ", "   ", "\t", "\u3000", "\u00a0good\u00a0", "good\u2028bad", "good\u200bbad", "good\u000bbad",
    "good\u001cbad", "good\u0085bad", "good\u2003 \u2003bad",
]

TICKERS = ["AAPL", "TSLA", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "BRK.B", "AMD", "GME", "AMC",
           "SPY", "QQQ", "NFLX", "INTC", "PLTR", "SOFI", "F", "T", "BABA"]
POSITIVE = ["good", "great", "love", "awesome", "bullish", "win", "happy", "excellent", "nice", "profit",
            "strong", "best", "amazing", "like", "gain", "beautiful", "fantastic", "wonderful", "lol",
            "haha", "cool", "free", "glad", "hope", "fine", "ok", "okay", "yes", "thanks", "perfect"]
NEGATIVE = ["bad", "terrible", "loss", "hate", "crash", "bearish", "fear", "awful", "worst", "sad",
            "panic", "dump", "fail", "weak", "horrible", "ugly", "angry", "scam", "fraud", "pain",
            "worried", "lose", "broke", "sucks", "wtf", "damn", "crap", "disaster", "kill", "no"]
NEUTRAL = ["the", "stock", "is", "today", "market", "price", "shares", "earnings", "call", "put",
           "week", "chart", "volume", "open", "close", "i", "we", "it", "this", "that", "to", "for",
           "on", "in", "at", "of", "and", "a", "was", "will", "be", "my", "our", "after", "before",
           "guidance", "quarter", "revenue", "ceo", "fed", "rates", "dip", "moon", "hold", "buy", "sell"]
NEGATIONS = ["not", "never", "no", "don't", "isn't", "can't", "wasn't", "won't", "nothing", "without",
             "Not", "NEVER", "Don't", "aint", "cannot", "nor", "rarely", "despite", "none"]
BOOSTERS = ["very", "really", "so", "extremely", "totally", "absolutely", "incredibly", "hella",
            "kinda", "barely", "slightly", "somewhat", "hardly", "more", "most", "VERY", "REALLY",
            "quite", "fucking", "sort of", "kind of", "just enough", "almost", "little"]
CONNECTORS = ["but", "But", "BUT", "and", "or", "so", "then", "though", "yet"]
IDIOMS = ["the shit", "the bomb", "bad ass", "badass", "bus stop", "yeah right", "kiss of death",
          "to die for", "beating heart", "cut the mustard", "in the red", "in the black", "at least",
          "very least", "never so", "never this", "without doubt", "upper hand", "under the weather"]
EMOTICONS = [":)", ":(", ":-)", ":-(", ":D", ";)", ":P", "<3", "</3", ":/", ":'(", "xD", "XD", "=)",
             ":|", "^_^", "-_-", "(:", "):", ":-D", "8)", ":O", "o_O", ";-)", ":))", ":((", "\\o/"]
SINGLE_EMOJI = ["😀", "😂", "🤣", "😍", "😭", "😡", "🤗", "😵", "🥰", "🚀", "📈", "📉", "💎", "🙌",
                "🔥", "💩", "👍", "👎", "❤", "💔", "🤑", "😱", "🐻", "🐂", "🌙", "💰", "🤡", "😎",
                "🙄", "😤", "✅", "❌", "⚠", "🆙", "🔛", "©", "®", "™", "‼", "⁉", "☺", "☹", "🧑", "🤖"]
SEQUENCE_EMOJI = [
    "👍🏻", "👍🏿", "🙌🏽", "💪🏾", "👋🏼",  # skin tones
    "👨‍👩‍👧‍👦", "👩‍💻", "🏳️‍🌈", "🧑🏽‍🚀", "❤️‍🔥", "👁️‍🗨️", "🤦‍♂️",  # ZWJ sequences
    "🇺🇸", "🇬🇧", "🇯🇵", "🇩🇪",  # flags (regional indicator pairs)
    "1️⃣", "#️⃣", "*️⃣",  # keycaps
    "❤️", "☺️", "✔️", "⚠️", "©️",  # variation selector 16
    "🫠", "🥲", "🫡", "🪿", "🩷",  # newer than the reference's lexicon
]
FOREIGN = ["¡Qué buena inversión!", "Das ist schlecht", "C'est très bien", "株価が上がった",
           "股票大涨", "الأسهم ترتفع", "Акции растут", "Ürün çok İYİ", "ΠΟΛΥ ΚΑΛΟ", "très mauvais",
           "muy bueno", "sehr gut", "molto bene", "ótimo dia", "नमस्ते बाजार", "좋은 주식"]
ENTITIES = ["&amp;", "&lt;3", "&gt;", "&quot;good&quot;", "&#39;bad&#39;", "&nbsp;", "&amp;amp;"]
NUMBERS = ["$5.99", "100", "+3.2%", "-4%", "10k", "$100", "US$5", "1,000", "2.5x", "Q3", "52w",
           "3:15pm", "$", "$$$", "4/20", "0.5", "1e6", "#1"]
PUNCT_RUNS = ["!!!", "???", "?!?!", "...", "!!", "?", "!", "!?", "......", "!!!!!!", "??", "--", "***"]


def cashtag(rng):
    t = rng.choice(TICKERS)
    form = rng.random()
    if form < 0.15:
        return "$" + t.lower()
    if form < 0.25:
        return "($" + t + ")"
    if form < 0.35:
        return "$" + t + rng.choice([",", ".", "'s", "!", "?", ":"])
    if form < 0.40:
        return "$TOOLONGSYM"
    return "$" + t


def url(rng):
    return rng.choice(["https://t.co/", "http://example.com/", "https://x.com/i/status/"]) + "".join(
        rng.choice("abcdefghijkLMNOP0123456789") for _ in range(rng.randint(4, 10)))


def maybe_caps(rng, word):
    r = rng.random()
    if r < 0.12:
        return word.upper()
    if r < 0.2:
        return word.capitalize()
    return word


def pieces(rng):
    """One random fragment of a tweet."""
    kind = rng.random()
    if kind < 0.16:
        return maybe_caps(rng, rng.choice(POSITIVE))
    if kind < 0.30:
        return maybe_caps(rng, rng.choice(NEGATIVE))
    if kind < 0.50:
        return rng.choice(NEUTRAL)
    if kind < 0.56:
        return rng.choice(NEGATIONS)
    if kind < 0.62:
        return rng.choice(BOOSTERS)
    if kind < 0.66:
        return rng.choice(CONNECTORS)
    if kind < 0.69:
        return rng.choice(IDIOMS)
    if kind < 0.73:
        return rng.choice(EMOTICONS)
    if kind < 0.79:
        return rng.choice(SINGLE_EMOJI) * rng.choice([1, 1, 1, 2, 3])
    if kind < 0.82:
        return rng.choice(SEQUENCE_EMOJI)
    if kind < 0.87:
        return cashtag(rng)
    if kind < 0.89:
        return "@" + rng.choice(["trader", "Elon", "wsb_mod", "jane_doe", "CNBC"]) + str(rng.randint(0, 99))
    if kind < 0.91:
        return "#" + rng.choice(["stocks", "bullish", "Bearish", "WSB", "investing", "ToTheMoon"])
    if kind < 0.93:
        return url(rng)
    if kind < 0.95:
        return rng.choice(NUMBERS)
    if kind < 0.96:
        return rng.choice(ENTITIES)
    if kind < 0.97:
        return rng.choice(FOREIGN)
    return rng.choice(PUNCT_RUNS)


def join(rng, parts):
    """Joins fragments mostly with spaces, sometimes gluing emoji or punctuation on."""
    out = ""
    for p in parts:
        if out and rng.random() < 0.88:
            out += rng.choice([" ", " ", " ", " ", "  ", "\t"]) if rng.random() < 0.97 else "\u00a0"
        out += p
    if rng.random() < 0.25:
        out += rng.choice(PUNCT_RUNS)
    if rng.random() < 0.05:
        out = "  " + out + " "
    return out


def tweet(rng):
    return join(rng, [pieces(rng) for _ in range(rng.randint(1, 24))])


def long_text(rng):
    """Longer texts, past the scorer's switch to its heap-based "but" rule (repeated valences)."""
    words = [rng.choice(POSITIVE[:6] + NEGATIVE[:6] + NEUTRAL[:10]) for _ in range(rng.randint(50, 400))]
    for _ in range(rng.randint(1, 3)):
        words.insert(rng.randrange(len(words)), rng.choice(["but", "BUT"]))
    return " ".join(words)


def emoji_run(rng):
    return "".join(rng.choice(SINGLE_EMOJI + SEQUENCE_EMOJI) for _ in range(rng.randint(2, 40)))


def corpus(size=6000):
    rng = random.Random(SEED)
    lines = list(EDGE_CASES)
    while len(lines) < size:
        r = rng.random()
        if r < 0.03:
            lines.append(long_text(rng))
        elif r < 0.07:
            lines.append(emoji_run(rng))
        elif r < 0.075:
            lines.append(rng.choice(["", " ", "\t \t", "   "]))
        else:
            lines.append(tweet(rng))
    return lines


if __name__ == "__main__":
    for line in corpus():
        print(line.replace("\n", " "))
