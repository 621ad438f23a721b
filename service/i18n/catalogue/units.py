"""Units of measure (UN/ECE Recommendation 20 codes, as EPCIS uses them) as shoppers read them.

Every code service/batches/units.py accepts has a label here (tests/unit/test_i18n.py checks),
and CEL for temperature readings. Chinese pages use Chinese unit words, not Latin symbols.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "uom.KGM": {"en": "kg", "zh-CN": "千克"},
    "uom.GRM": {"en": "g", "zh-CN": "克"},
    "uom.TNE": {"en": "t", "zh-CN": "吨"},
    "uom.LBR": {"en": "lb", "zh-CN": "磅"},
    "uom.ONZ": {"en": "oz", "zh-CN": "盎司"},
    "uom.LTR": {"en": "L", "zh-CN": "升"},
    "uom.MLT": {"en": "mL", "zh-CN": "毫升"},
    "uom.CLT": {"en": "cL", "zh-CN": "厘升"},
    "uom.HLT": {"en": "hL", "zh-CN": "百升"},
    "uom.MTQ": {"en": "m³", "zh-CN": "立方米"},
    "uom.GLL": {"en": "US gal", "zh-CN": "美制加仑"},
    "uom.MTR": {"en": "m", "zh-CN": "米"},
    "uom.MMT": {"en": "mm", "zh-CN": "毫米"},
    "uom.CMT": {"en": "cm", "zh-CN": "厘米"},
    "uom.MTK": {"en": "m²", "zh-CN": "平方米"},
    "uom.H87": {"en": "pieces", "zh-CN": "件"},
    "uom.C62": {"en": "units", "zh-CN": "个"},
    "uom.EA": {"en": "each", "zh-CN": "个"},
    "uom.NAR": {"en": "articles", "zh-CN": "件"},
    "uom.PR": {"en": "pairs", "zh-CN": "双"},
    "uom.SET": {"en": "sets", "zh-CN": "套"},
    "uom.DZN": {"en": "dozen", "zh-CN": "打"},
    "uom.XBX": {"en": "boxes", "zh-CN": "箱"},
    "uom.XCT": {"en": "cartons", "zh-CN": "纸箱"},
    "uom.XPK": {"en": "packages", "zh-CN": "包"},
    "uom.XPA": {"en": "packets", "zh-CN": "小包"},
    "uom.XBG": {"en": "bags", "zh-CN": "袋"},
    "uom.XSA": {"en": "sacks", "zh-CN": "麻袋"},
    "uom.XBO": {"en": "bottles", "zh-CN": "瓶"},
    "uom.XCX": {"en": "cans", "zh-CN": "罐"},
    "uom.XJR": {"en": "jars", "zh-CN": "罐"},
    "uom.XCR": {"en": "crates", "zh-CN": "板条箱"},
    "uom.XBA": {"en": "barrels", "zh-CN": "桶"},
    "uom.XDR": {"en": "drums", "zh-CN": "圆桶"},
    "uom.XPL": {"en": "pails", "zh-CN": "提桶"},
    "uom.XPX": {"en": "pallets", "zh-CN": "托盘"},
    "uom.CEL": {"en": "°C", "zh-CN": "摄氏度"},
}
