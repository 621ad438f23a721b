# ruff: noqa: E501, RUF001  (translations read best one per line; Chinese uses full-width punctuation)
"""The consumer page: verdicts, banners, the timeline, the supplier, the complaint form."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "headline.tampered.title": {
        "en": "Warning: this product's records were changed after they were sealed",
        "zh-CN": "警告：该产品的记录在封存后被篡改",
    },
    "headline.tampered.action": {
        "en": "Do not trust what this page says about it and do not use it. Report it below and return it to the place of purchase.",
        "zh-CN": "请勿相信本页关于该产品的信息，也请勿使用。请在下方举报，并退回购买处。",
    },
    "headline.recalled.title": {
        "en": "Recalled: do not use this product",
        "zh-CN": "已召回：请勿使用该产品",
    },
    "headline.recalled.action": {
        "en": "Stop using it and return it to the place of purchase. The recall's instructions are below.",
        "zh-CN": "请立即停止使用，并退回购买处。召回说明见下文。",
    },
    "headline.on_hold.title": {
        "en": "On hold: this lot is under investigation",
        "zh-CN": "暂停：该批次正在调查中",
    },
    "headline.on_hold.action": {
        "en": "Do not use it for now. Keep the product and its packaging, and check this page again in a few days.",
        "zh-CN": "暂时请勿使用。请保留产品及包装，几天后再查看本页。",
    },
    "headline.suspect_copy.title": {
        "en": "Caution: this code may have been copied",
        "zh-CN": "注意：此码可能被复制",
    },
    "headline.suspect_copy.action": {
        "en": "This code was scanned in many different places. Check the packaging; if anything looks wrong, do not use it, report a suspected fake below and return it to the shop.",
        "zh-CN": "此码已在多个不同地点被扫描。请检查包装；如有异常，请勿使用，在下方举报疑似假冒，并退回购买处。",
    },
    "headline.supplier_suspended.title": {
        "en": "The platform has suspended this product's supplier",
        "zh-CN": "平台已暂停该产品供应商的资格",
    },
    "headline.supplier_suspended.action": {
        "en": "Its records are genuine, but the platform no longer vouches for the supplier. You may return it to the place of purchase; report any problem below.",
        "zh-CN": "其记录真实，但平台已不再为该供应商担保。您可以退回购买处；如有问题请在下方反馈。",
    },
    "headline.pending.title": {
        "en": "Nothing wrong is known; the newest records are still being sealed",
        "zh-CN": "未发现问题；最新记录仍在封存中",
    },
    "headline.pending.action": {
        "en": "Keep the product and check this page again later, when every record is sealed.",
        "zh-CN": "请保留产品，稍后待全部记录封存后再查看本页。",
    },
    "headline.authentic.title": {
        "en": "Authentic: nothing wrong is known about this product",
        "zh-CN": "真品：未发现该产品有任何问题",
    },
    "headline.authentic.action": {
        "en": "You can use it as intended. If you find a problem, report it below.",
        "zh-CN": "您可以正常使用。如发现问题，请在下方反馈。",
    },
    "integrity.authentic": {
        "en": "All {count} records match what was sealed on {chain}.",
        "zh-CN": "全部 {count} 条记录与封存于{chain}的内容一致。",
    },
    "integrity.pending": {
        "en": "{sealed} of {count} records are sealed on {chain}; the newest are not yet.",
        "zh-CN": "{count} 条记录中已有 {sealed} 条封存于{chain}，最新的记录尚未封存。",
    },
    "integrity.tampered": {
        "en": "{changed} of {count} records were changed after they were sealed on {chain}.",
        "zh-CN": "{count} 条记录中有 {changed} 条在封存于{chain}后被修改。",
    },
    "integrity.empty": {
        "en": "No records yet.",
        "zh-CN": "暂无记录。",
    },
    "chain.public": {
        "en": "{name}, a public blockchain",
        "zh-CN": "公共区块链 {name}",
    },
    "chain.test": {
        "en": "{name}, a test network that proves nothing to outsiders",
        "zh-CN": "测试网络 {name}（它不能向第三方证明任何事）",
    },
    "chain.state.ok": {"en": "connected", "zh-CN": "已连接"},
    "chain.state.unknown": {"en": "not checked yet", "zh-CN": "尚未检查"},
    "chain.state.unreachable": {
        "en": "unreachable: sealing is delayed",
        "zh-CN": "无法连接：封存将延迟",
    },
    "chain.state.reset": {"en": "reset: sealing is stopped", "zh-CN": "已重置：封存已停止"},
    "chain.state.misconfigured": {
        "en": "misconfigured: sealing is stopped",
        "zh-CN": "配置错误：封存已停止",
    },
    "headline.integrity": {"en": "What the records prove", "zh-CN": "记录证明了什么"},
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
    "banner.on_hold": {
        "en": "Why this lot is on hold",
        "zh-CN": "暂停原因",
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
    "complaints.title": {"en": "Reports from shoppers", "zh-CN": "消费者反馈"},
    "complaints.none": {
        "en": "No shopper has reported a problem with this lot.",
        "zh-CN": "暂无消费者反馈该批次的问题。",
    },
    "complaints.count": {
        "en": "{count} reports, by what they are about and where they stand:",
        "zh-CN": "共 {count} 条反馈，按问题类型和处理状态统计：",
    },
    "complaints.records": {
        "en": "The {count} records behind these reports",
        "zh-CN": "这些反馈的 {count} 条记录",
    },
    "actor.public": {"en": "a shopper", "zh-CN": "消费者"},
    "actor.service": {"en": "Lotproof, automatically", "zh-CN": "系统自动"},
    "history.by": {"en": "by", "zh-CN": "记录方"},
    "record.verified": {"en": "Sealed, unchanged", "zh-CN": "已封存，未改动"},
    "record.pending": {"en": "Not sealed yet", "zh-CN": "待封存"},
    "record.tampered": {"en": "Changed after sealing", "zh-CN": "封存后被篡改"},
    "record.redacted": {"en": "Content erased", "zh-CN": "内容已删除"},
    "proof.title": {"en": "How do we know?", "zh-CN": "如何验证？"},
    "proof.explain": {
        "en": "Its fingerprint is in a batch sealed on the blockchain named above; anyone can recompute it.",
        "zh-CN": "其数字指纹包含在封存于上述区块链的批次中，任何人都可以重新计算验证。",
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
    "event.certificate": {"en": "Certificate recorded", "zh-CN": "登记资质证书"},
    "event.certificate_revoked": {"en": "Certificate revoked", "zh-CN": "资质证书已撤销"},
    "event.suspended": {"en": "Supplier suspended by the platform", "zh-CN": "平台暂停供应商资格"},
    "event.reinstated": {
        "en": "Supplier reinstated by the platform",
        "zh-CN": "平台恢复供应商资格",
    },
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
        "en": "The platform suspended this supplier on {date}.",
        "zh-CN": "平台已于 {date} 暂停该供应商的资格。",
    },
    "supplier.title": {"en": "About the supplier", "zh-CN": "供应商信息"},
    "supplier.certificates": {"en": "Valid certificates", "zh-CN": "有效资质证书"},
    "supplier.no_certificates": {
        "en": "No valid certificate on record.",
        "zh-CN": "暂无有效的资质证书记录。",
    },
    "supplier.certificate_number": {"en": "no.", "zh-CN": "编号"},
    "supplier.certificate": {
        "en": "issued by {issuer}, valid until {valid_to}",
        "zh-CN": "发证机构 {issuer}，有效期至 {valid_to}",
    },
    "supplier.score": {
        "en": "Quality score {score} / 100 ({start} to {end}), computed from sealed records.",
        "zh-CN": "质量评分 {score} / 100（{start} 至 {end}），依据已封存的记录计算。",
    },
    "unit.scans": {
        "en": "This code has been scanned {count} times since {first}.",
        "zh-CN": "此码自 {first} 起已被扫描 {count} 次。",
    },
    "event.complaint": {"en": "Complaint handled", "zh-CN": "投诉处理"},
    "event.quality_alert": {"en": "Quality alert: put on hold", "zh-CN": "质量预警：暂停销售"},
    "event.quality_alert_dismissed": {
        "en": "Quality alert reviewed: not put on hold",
        "zh-CN": "质量预警经复核：未暂停销售",
    },
    "event.recall": {"en": "Recalled", "zh-CN": "召回"},
    "footer.machine": {"en": "Machine-readable data", "zh-CN": "机器可读数据"},
    "footer.linkset": {"en": "Links of this code (linkset)", "zh-CN": "此码的链接集"},
    "footer.chain": {
        "en": "Blockchain: {chain}. Connection: {state}.",
        "zh-CN": "区块链：{chain}。连接状态：{state}。",
    },
    "language.switch": {"en": "中文", "zh-CN": "English"},
}
