"""Which words may stand in a keyphrase, and where: a keyphrase is a phrase
a researcher would write, so it never starts or ends with a word that only
links others ("of", "during") or judges or dates them ("fantastic",
"recently"), and a word that names nothing in particular ("models",
"learning") is a keyphrase only inside a phrase ("language models").
"""

from __future__ import annotations

#: Function words: they link words, and break phrases in the terms.
FUNCTION_WORDS = frozenset(
    """a about above across after afterwards again against ago al all almost alone along
    already also although always am among amongst an and another any anybody anyhow anyone
    anything anyway anywhere are around as at be became because become becomes becoming been
    before beforehand behind being below beside besides between beyond both but by can
    cannot could did do does doing done down during each either else elsewhere enough et etc
    even ever every everyone everything everywhere except few for former formerly from
    further furthermore had has have having he hence her here hereby herein hers herself him
    himself his how however i ie if in indeed into is it its itself just last latter least
    less let lets like many may me meanwhile might mine more moreover most mostly much must
    my myself namely neither never nevertheless next no nobody none nor not nothing now
    nowhere of off often on once one only onto or other others otherwise our ours ourselves
    out over own per perhaps please quite rather really same several shall she should since
    so some somehow someone something sometime sometimes somewhere still such than that the
    their theirs them themselves then thence there thereafter thereby therefore therein
    thereupon these they this those though through throughout thru thus to together too
    toward towards under unless until up upon us very via was we well were what whatever
    when whence whenever where whereafter whereas whereby wherein whereupon wherever whether
    which while whither who whoever whole whom whose why will with within without would yet
    you your yours yourself yourselves
    """.split()
)

#: Words that judge, count, date or hedge, and the verbs every abstract
#: uses: never the first or last word of a keyphrase, nor one alone.
VAGUE_WORDS = frozenset(
    """able accelerating according accurate accurately achieve achieved achieves achieving
    actually adding additional additionally address addresses addressing advance advanced
    advances aim aims allow allows alternative amount analyze applied applies apply applying
    arbitrary around art augmenting available based basic become best better big boosting
    brief briefly building called can capable case cases certain challenge challenges
    challenging clear clearly common commonly comparable compared competitive complete
    completely complex complicated comprehensive conduct conducted consider considerable
    considered consistently contrast contribute contributions convincing critical crucial
    current currently demonstrate demonstrated demonstrates demonstrating describe described
    designed despite detailed develop developed different difficult directly discuss diverse
    due easily easy effect effective effectively effectiveness efficient efficiently eg
    either emerging empirical empirically enable enabled enables enabling end ensure entire
    especially essential establish evaluate evaluated eventually evidence exhibit exhibits
    exist existing expand explains explore explored exploring extend extensive extensively
    extremely fact fantastic far fast faster finally find finding findings first focus
    focuses following found fourth free fully fundamental furthermore future gain gains
    generally generates get give given gives good great greater greatly grow growing help
    helps high higher highly huge ideal identify illustrate impact important improve
    improved improvement improvements improves improving include included includes including
    increase increased increases increasing increasingly indicate individual inherent
    inherently initial insight insights instead interesting introduce introduced introduces
    introducing investigate investigated involve involves involving issue issues key kind
    known lack lacks largely latest lead leading leads learn learned learns leverage
    leverages leveraging lie lies likely limited little long look lot main mainly major make
    makes making manner matter mere merely minimal moderate much natural nearly necessary
    need needed needs new notable notably novel numerous observe observed obtain obtained
    obtaining offer offering offers old outperform outperformed outperforming outperforms
    overall paper papers part particular particularly past perform performance performed
    performing performs place play plays poor popular possible potential potentially
    powerful practical predicts present presented presents previous previously primarily
    prior produce produces promising propose proposed proposes proposing prospect prove
    proven provide provided provides providing purpose quickly range rapid rapidly rather
    reach reached recent recently regarding related relative relatively relevant relies rely
    remain remains remarkable remarkably report reported require required requires requiring
    research researchers respect respectively result resulting results rethinking reveal
    reveals review revisiting second seem seems seen select shed short show showcase showed
    showing shown shows significant significantly similar similarly simple simply
    simultaneously since small smaller solution solutions solve solves sophisticated
    specific specifically standard strong stronger studied studies study studying
    substantial substantially success successful successfully suggest suggests suitable
    superior support supports surprising surprisingly tackle take takes taking teaches term
    termed terms third three times today topic towards traditional train trains transforming
    tremendous true try tune two type types typical typically ultimate ultimately understand
    unified unique unlike unrelated usage use used useful uses using usually utilize
    utilizing valuable variety various vast versatile version view way ways whereas wide
    widely work works worse year years yield yields
    """.split()
)

#: Words that name nothing in particular in this field: in a keyphrase only
#: with a word that does ("language models", "reinforcement learning").
GENERIC_WORDS = frozenset(
    """active algorithm algorithms approach approaches architecture architectures backward
    compatible data dataset datasets deep design evaluation experiment experiments forward
    framework frameworks frozen general global hard input large learning level local method
    methods mixed model modeling models modular multiple network networks neural output
    problem problems questions single soft special state system systems task tasks technique
    techniques trained training transparent variable
    """.split()
)

#: Words that modify the next one: never the last word of a keyphrase
#: ("graph neural", "large language"), and a phrase right after one is the
#: tail of a longer compound ("trained models" of "pre-trained models").
MODIFIERS = frozenset(
    """co cross deep high inter intra large low multi neural non post pre self semi sub super
    ultra
    """.split()
)

#: Words that never end a keyphrase: modifiers, and the first half of a
#: compound ("large pre-trained").
NO_END = MODIFIERS | frozenset("based driven guided pretrained trained tuned".split())

#: Words that never start a keyphrase: the second half of a compound whose
#: first half the phrase would leave out ("shot learning" of "few-shot learning").
NO_START = frozenset(
    "aware based driven free guided level like scale shot shots trained tuned wise".split()
)

#: What a token may be in the terms of a paper (see ``token_kind``).
NEVER, INSIDE, WORD = 0, 1, 2


#: Words ending in "ly" that are not adverbs.
NOT_ADVERBS = frozenset(
    "ally anomaly assembly belly bully early family fly holy italy jelly july monopoly poly "
    "reply supply ugly".split()
)


def token_kind(token: str) -> int:
    """``NEVER`` in a term (a function word, a vague word, an adverb, a
    number); ``INSIDE`` a phrase only (a generic word); else a ``WORD`` term
    itself."""
    if token in FUNCTION_WORDS or token in VAGUE_WORDS or token.isdecimal():
        return NEVER
    if token.endswith("ly") and len(token) > 4 and token not in NOT_ADVERBS:
        return NEVER
    return INSIDE if token in GENERIC_WORDS else WORD
