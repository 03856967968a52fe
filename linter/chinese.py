"""Traditional Chinese (and the Japanese forms of the same words) folded to Simplified, one character for one, so that the readers of prose (written with Simplified word lists) read notes in any of these scripts."""

from __future__ import annotations

import re

# Traditional Chinese characters of the words the readers look for, folded to the Simplified ones the
# word lists are written in (對稱 → 对称, 由於 → 由于, 矩陣 → 矩阵, 分母佈局 → 分母布局): one character
# for one, so every offset into the text stays the same.
TRADITIONAL = str.maketrans(
    "對稱陣為當時於實單數純維與個設佈轉號則須異規範題習練結變應這裡裏處後說並無沒還們會標導積層權損類輸僅證義級計運種兩間從階負採約記將顯準讓雖該換対",
    "对称阵为当时于实单数纯维与个设布转号则须异规范题习练结变应这里里处后说并无没还们会标导积层权损类输仅证义级计运种两间从阶负采约记将显准让虽该换对",
)  # 対: the Japanese form of 對 (対称行列, a symmetric matrix)


# any character TRADITIONAL folds: str.translate looks up every character of a text in its table,
# while re finds a character of a class in C; most texts, Chinese ones too, hold none
_ANY_TRADITIONAL = re.compile("[" + "".join(map(chr, TRADITIONAL)) + "]")


def simplified(text: str) -> str:
    """``text`` with its Traditional characters (TRADITIONAL) folded to Simplified ones."""
    if text.isascii() or _ANY_TRADITIONAL.search(text) is None:
        return text
    return text.translate(TRADITIONAL)
