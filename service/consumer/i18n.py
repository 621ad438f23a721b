# ruff: noqa: E501, RUF001  (translations read best one per line; Chinese uses full-width punctuation)
"""The consumer page in Chinese (zh-CN) and English, chosen by ?lang= or Accept-Language."""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "en"

_MESSAGES: dict[str, dict[str, str]] = {
    "verdict.authentic": {
        "en": "Authentic: every record of this product matches what was sealed on the blockchain.",
        "zh-CN": "真品可信：该产品的每一条记录都与区块链上封存的内容一致。",
    },
    "verdict.pending": {
        "en": "Being sealed: the newest records are not on the blockchain yet. Check again soon.",
        "zh-CN": "封存中：最新的记录尚未写入区块链，请稍后再查看。",
    },
    "verdict.tampered": {
        "en": "Warning: some records were changed after they were sealed. Do not trust this product's history.",
        "zh-CN": "警告：部分记录在封存后被篡改。请勿相信该产品的溯源信息。",
    },
    "verdict.authentic_recalled": {
        "en": "The records are genuine, and they show this batch has been recalled. Do not use it.",
        "zh-CN": "记录真实可信，且显示该批次已被召回。请勿使用。",
    },
    "record.signed_by": {
        "en": "Signed by {org} ({address})",
        "zh-CN": "由 {org} 签名（{address}）",
    },
    "record.signature_missing": {
        "en": "Not signed, although its author signs all its records.",
        "zh-CN": "未签名（该记录方要求所有记录签名）。",
    },
    "record.tampered_note": {
        "en": "This record was changed after it was sealed: what it says may be false.",
        "zh-CN": "该记录在封存后被修改：其内容可能不实。",
    },
    "banner.recalled": {
        "en": "RECALLED: do not use this product. Return it to the place of purchase.",
        "zh-CN": "已召回：请勿使用该产品，请退回购买处。",
    },
    "banner.on_hold": {
        "en": "On hold: this batch is under investigation.",
        "zh-CN": "暂停销售：该批次正在调查中。",
    },
    "banner.suspect_clone": {
        "en": "Caution: this code has been scanned in many different places. It may be copied onto counterfeit goods.",
        "zh-CN": "注意：此码已在多个不同地点被扫描，可能被复制到假冒商品上。",
    },
    "product.by": {"en": "Made by", "zh-CN": "生产商"},
    "product.lot": {"en": "Lot", "zh-CN": "批号"},
    "product.serial": {"en": "Serial", "zh-CN": "序列号"},
    "product.quantity": {"en": "Batch size", "zh-CN": "批次数量"},
    "history.title": {"en": "History", "zh-CN": "溯源记录"},
    "history.empty": {"en": "No records yet.", "zh-CN": "暂无记录。"},
    "history.at": {"en": "at", "zh-CN": "地点"},
    "history.by": {"en": "by", "zh-CN": "记录方"},
    "record.verified": {"en": "Verified", "zh-CN": "已验证"},
    "record.pending": {"en": "Not sealed yet", "zh-CN": "待封存"},
    "record.tampered": {"en": "Changed after sealing", "zh-CN": "封存后被篡改"},
    "record.redacted": {"en": "Content erased", "zh-CN": "内容已删除"},
    "proof.title": {"en": "How do we know?", "zh-CN": "如何验证？"},
    "proof.explain": {
        "en": "This record's fingerprint is included in a batch of fingerprints sealed on a public blockchain. Anyone can recompute it.",
        "zh-CN": "该记录的数字指纹已包含在写入公共区块链的指纹批次中，任何人都可以重新计算验证。",
    },
    "proof.digest": {"en": "Fingerprint (SHA-256)", "zh-CN": "数字指纹 (SHA-256)"},
    "proof.anchor": {"en": "Blockchain anchor", "zh-CN": "区块链锚定"},
    "proof.block": {"en": "Block", "zh-CN": "区块"},
    "proof.time": {"en": "Sealed at", "zh-CN": "封存时间"},
    "proof.tx": {"en": "Transaction", "zh-CN": "交易"},
    "proof.not_yet": {"en": "Not on the blockchain yet.", "zh-CN": "尚未写入区块链。"},
    "event.production": {"en": "Produced", "zh-CN": "生产"},
    "event.packing": {"en": "Packed", "zh-CN": "包装"},
    "event.inspection": {"en": "Inspected", "zh-CN": "检验"},
    "event.shipping": {"en": "Shipped", "zh-CN": "发货"},
    "event.receiving": {"en": "Received", "zh-CN": "收货"},
    "event.storage": {"en": "Stored", "zh-CN": "仓储"},
    "event.temperature": {"en": "Temperature checked", "zh-CN": "温度记录"},
    "event.release": {"en": "Released after investigation", "zh-CN": "调查后解除暂停"},
    "event.transformation": {"en": "Transformed", "zh-CN": "加工"},
    "inspection.pass": {"en": "Result: passed", "zh-CN": "结果：合格"},
    "inspection.fail": {"en": "Result: failed", "zh-CN": "结果：不合格"},
    "inspection.independent": {
        "en": "Independent inspection by {org}",
        "zh-CN": "独立检验机构检验：{org}",
    },
    "inspection.self": {
        "en": "Self-inspection by the supplier, {org} (not independent)",
        "zh-CN": "供应商自检：{org}（非独立检验）",
    },
    "banner.supplier_suspended": {
        "en": "The platform suspended this supplier on {date}: {reason}",
        "zh-CN": "平台已于 {date} 暂停该供应商的资格：{reason}",
    },
    "supplier.title": {"en": "About the supplier", "zh-CN": "供应商信息"},
    "supplier.certificates": {"en": "Valid certificates", "zh-CN": "有效资质证书"},
    "supplier.no_certificates": {
        "en": "No valid certificate on record.",
        "zh-CN": "暂无有效的资质证书记录。",
    },
    "supplier.certificate": {
        "en": "{type}: no. {number}, issued by {issuer}, valid until {valid_to}",
        "zh-CN": "{type}：编号 {number}，发证机构 {issuer}，有效期至 {valid_to}",
    },
    "supplier.score": {
        "en": "Quality score {score} / 100 ({start} to {end}), computed from sealed records.",
        "zh-CN": "质量评分 {score} / 100（{start} 至 {end}），依据已封存的记录计算。",
    },
    "unit.scans": {
        "en": "This code has been scanned {count} times since {first}.",
        "zh-CN": "此码自 {first} 起已被扫描 {count} 次。",
    },
    "complaint.title": {"en": "Report a problem", "zh-CN": "问题反馈"},
    "complaint.category": {"en": "What is wrong?", "zh-CN": "问题类型"},
    "complaint.description": {"en": "Describe the problem", "zh-CN": "问题描述"},
    "complaint.contact": {"en": "Contact (optional)", "zh-CN": "联系方式（选填）"},
    "complaint.submit": {"en": "Send report", "zh-CN": "提交反馈"},
    "complaint.cat.quality": {"en": "Poor quality", "zh-CN": "质量问题"},
    "complaint.cat.counterfeit": {"en": "Looks counterfeit", "zh-CN": "疑似假冒"},
    "complaint.cat.damaged": {"en": "Damaged", "zh-CN": "破损"},
    "complaint.cat.safety": {"en": "Safety concern", "zh-CN": "安全隐患"},
    "complaint.cat.labelling": {"en": "Wrong label", "zh-CN": "标签错误"},
    "complaint.cat.other": {"en": "Something else", "zh-CN": "其他"},
    "complaint.received": {
        "en": "Thank you. Your report was received. Keep this tracking code:",
        "zh-CN": "感谢反馈，我们已收到。请保存您的查询码：",
    },
    "complaint.status": {"en": "Status", "zh-CN": "处理状态"},
    "complaint.status.received": {"en": "Received", "zh-CN": "已受理"},
    "complaint.status.acknowledged": {"en": "Acknowledged by the supplier", "zh-CN": "商家已确认"},
    "complaint.status.investigating": {"en": "Under investigation", "zh-CN": "调查中"},
    "complaint.status.resolved": {"en": "Resolved", "zh-CN": "已解决"},
    "complaint.status.rejected": {"en": "Rejected", "zh-CN": "已驳回"},
    "event.complaint": {"en": "Complaint handled", "zh-CN": "投诉处理"},
    "event.quality_alert": {"en": "Quality alert: put on hold", "zh-CN": "质量预警：暂停销售"},
    "event.quality_alert_dismissed": {
        "en": "Quality alert reviewed: not put on hold",
        "zh-CN": "质量预警经复核：未暂停销售",
    },
    "event.recall": {"en": "Recalled", "zh-CN": "召回"},
    "complaint.back": {"en": "Back to the product", "zh-CN": "返回产品页面"},
    "error.not_found.title": {"en": "Product not registered", "zh-CN": "产品未登记"},
    "error.not_found": {
        "en": "This code is not registered with this service. Be careful: the product may be counterfeit.",
        "zh-CN": "此码未在本平台登记。请注意：该产品可能是假冒产品。",
    },
    "error.bad_request.title": {"en": "This code is not valid", "zh-CN": "无效的产品码"},
    "error.too_many.title": {"en": "Too many reports", "zh-CN": "提交过于频繁"},
    "footer.machine": {"en": "Machine-readable data", "zh-CN": "机器可读数据"},
    "footer.chain": {"en": "Blockchain connection", "zh-CN": "区块链连接"},
    "language.switch": {"en": "中文", "zh-CN": "English"},
}


def negotiate_language(query_lang: str | None, accept_language: str | None) -> str:
    """``?lang=`` wins; otherwise the best Accept-Language match; otherwise English."""
    if query_lang in LANGUAGES:
        return query_lang
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE


class Translator:
    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **values: object) -> str:
        entry = _MESSAGES.get(key)
        text = key if entry is None else entry.get(self.language, entry[DEFAULT_LANGUAGE])
        return text.format(**values) if values else text

    @property
    def other_language(self) -> str:
        return "en" if self.language == "zh-CN" else "zh-CN"
