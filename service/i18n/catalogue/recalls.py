# ruff: noqa: E501, RUF001  (translations read best one per line; Chinese uses full-width punctuation)
"""Messages of the recalls area (zh-CN and en): recalls on the consumer page, and who vouches
for a supplier's certificates. A recall's reason and instructions, a closing reason and a
confirmation note are people's words: shown as written, never translated."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # Recalls listed on a lot (service.recalls.service.public_recalls), newest first.
    "recall.title": {"en": "Recalls", "zh-CN": "召回信息"},
    "recall.class.I": {
        "en": "Class I recall: the product may cause serious harm to health",
        "zh-CN": "一级召回：该产品可能造成严重健康危害",
    },
    "recall.class.II": {
        "en": "Class II recall: the product may cause temporary or reversible harm to health",
        "zh-CN": "二级召回：该产品可能造成暂时或可逆的健康危害",
    },
    "recall.class.III": {
        "en": "Class III recall: harm to health is unlikely, but the product breaks the rules",
        "zh-CN": "三级召回：该产品一般不会造成健康危害，但不符合规定",
    },
    "recall.opened": {
        "en": "Recalled on {date} by {issuer}",
        "zh-CN": "{issuer} 于 {date} 发起召回",
    },
    "recall.updated": {"en": "Last updated on {date}", "zh-CN": "最近更新于 {date}"},
    "recall.reason": {"en": "Reason", "zh-CN": "召回原因"},
    "recall.instructions": {"en": "What to do", "zh-CN": "处理方式"},
    "recall.close_reason": {"en": "Why it was closed", "zh-CN": "结束原因"},
    "recall.direct": {"en": "This lot was recalled.", "zh-CN": "本批次被直接召回。"},
    "recall.via": {
        "en": "This lot was made from lot {lot} ({product}), which was recalled.",
        "zh-CN": "本批次由被召回的批次 {lot}（{product}）加工而成。",
    },
    # Status: open, or closed as lifted (the lot is no longer recalled by it) or completed
    # (the recall action is over; what is still at hand stays recalled).
    "recall.status.open": {
        "en": "In force: do not use this product.",
        "zh-CN": "召回进行中：请勿使用该产品。",
    },
    "recall.status.lifted": {
        "en": "Lifted on {date}: this recall no longer applies to this lot.",
        "zh-CN": "已于 {date} 撤销：该召回不再适用于本批次。",
    },
    "recall.status.completed": {
        "en": "Completed on {date}: the recall action is over, but do not use any of this product you still have.",
        "zh-CN": "已于 {date} 完成：召回行动已结束，但如您手中仍有该产品，请勿使用。",
    },
    "recall.other_open": {
        "en": "Another recall of this lot is still in force.",
        "zh-CN": "本批次仍有其他召回正在进行。",
    },
    # Event names of the records recalls write (event.recall is the page's).
    "event.recall_updated": {"en": "Recall updated", "zh-CN": "召回信息更新"},
    "event.recall_closed": {"en": "Recall closed", "zh-CN": "召回结束"},
    # Certificates, labelled by who vouches for them (PublicCertificate.vouched_by).
    "event.certificate_confirmed": {"en": "Certificate confirmed", "zh-CN": "资质证书经确认"},
    "certificate.vouched.supplier": {
        "en": "Declared by the supplier (not checked by an inspector)",
        "zh-CN": "供应商自行申报（未经检验机构核实）",
    },
    "certificate.vouched.inspector": {
        "en": "Confirmed by the inspector {org} on {date}",
        "zh-CN": "已由检验机构 {org} 于 {date} 核实",
    },
    "certificate.vouched.admin": {
        "en": "Confirmed by the platform ({org}) on {date}",
        "zh-CN": "已由平台（{org}）于 {date} 核实",
    },
    # Certificate types are codes (CERTIFICATE_TYPE_PATTERN); these are the common ones. A code
    # without a label here is shown as the code itself.
    "certificate.type.iso-9001": {
        "en": "ISO 9001 quality management",
        "zh-CN": "ISO 9001 质量管理体系认证",
    },
    "certificate.type.iso-22000": {
        "en": "ISO 22000 food safety management",
        "zh-CN": "ISO 22000 食品安全管理体系认证",
    },
    "certificate.type.fssc-22000": {
        "en": "FSSC 22000 food safety",
        "zh-CN": "FSSC 22000 食品安全体系认证",
    },
    "certificate.type.haccp": {
        "en": "HACCP food safety system",
        "zh-CN": "HACCP 危害分析与关键控制点体系认证",
    },
    "certificate.type.brcgs": {
        "en": "BRCGS food safety standard",
        "zh-CN": "BRCGS 全球食品安全标准认证",
    },
    "certificate.type.gmp": {
        "en": "Good Manufacturing Practice (GMP)",
        "zh-CN": "良好生产规范（GMP）",
    },
    "certificate.type.gap": {
        "en": "Good Agricultural Practice (GAP)",
        "zh-CN": "良好农业规范（GAP）认证",
    },
    "certificate.type.food-safety": {"en": "Food safety", "zh-CN": "食品安全认证"},
    "certificate.type.organic": {"en": "Organic", "zh-CN": "有机产品认证"},
    "certificate.type.green-food": {"en": "Green Food", "zh-CN": "绿色食品认证"},
    "certificate.type.sc": {
        "en": "Food production licence (SC)",
        "zh-CN": "食品生产许可证（SC）",
    },
}
