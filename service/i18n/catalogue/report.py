# ruff: noqa: E501, RUF001  (translations read best one per line; Chinese uses full-width punctuation)
"""Messages of the printed documents: the audit report PDF and the label sheets (zh-CN and en).

The English record and batch verdicts are the words the API and ``verify-bundle`` print
(verified, pending, tampered, redacted), so a report and a terminal read alike.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "label.scan_to_verify": {"en": "Scan to verify", "zh-CN": "扫码验证"},
    "report.title": {"en": "Lotproof audit report", "zh-CN": "Lotproof 审计报告"},
    "report.summary": {
        "en": "Batch GTIN {gtin}, lot {lot} ({product}), owner {owner}. {count} records. Generated {generated} UTC.",
        "zh-CN": "批次 GTIN {gtin}，批号 {lot}（{product}），所有者 {owner}。共 {count} 条记录。生成于 {generated}（UTC）。",
    },
    "report.verdict": {"en": "Verdict: {verdict}", "zh-CN": "结论：{verdict}"},
    "report.batch_verdict.authentic": {
        "en": "authentic (every record matches what was anchored on the chain)",
        "zh-CN": "真实可信（每条记录都与链上锚定的内容一致）",
    },
    "report.batch_verdict.pending": {
        "en": "pending (the newest records are not anchored yet)",
        "zh-CN": "待封存（最新的记录尚未锚定上链）",
    },
    "report.batch_verdict.tampered": {
        "en": "tampered (some records were changed after they were anchored)",
        "zh-CN": "被篡改（部分记录在锚定后被修改）",
    },
    "report.chain": {
        "en": "Chain id {chain}, contract {contract}.",
        "zh-CN": "链 ID {chain}，合约 {contract}。",
    },
    "report.timeline": {"en": "Timeline, in recording order", "zh-CN": "记录时间线（按记录顺序）"},
    "report.timeline_empty": {"en": "No records yet.", "zh-CN": "暂无记录。"},
    "report.record_head": {"en": "#{n} {event}: {verdict}", "zh-CN": "#{n} {event}：{verdict}"},
    "report.record_verdict.verified": {"en": "verified", "zh-CN": "已验证"},
    "report.record_verdict.pending": {"en": "pending", "zh-CN": "待封存"},
    "report.record_verdict.tampered": {"en": "tampered", "zh-CN": "被篡改"},
    "report.record_verdict.redacted": {"en": "redacted", "zh-CN": "内容已删除"},
    "report.event.complaint": {"en": "Complaint", "zh-CN": "投诉"},
    "report.when_where": {
        "en": "When: {time}. Where: {location}",
        "zh-CN": "时间：{time}。地点：{location}",
    },
    "report.when": {"en": "When: {time}", "zh-CN": "时间：{time}"},
    "report.separator": {"en": "; ", "zh-CN": "；"},
    "report.by": {"en": "Who: {actor}", "zh-CN": "执行方：{actor}"},
    "report.found": {"en": "Found: {finding}", "zh-CN": "结果：{finding}"},
    "report.actor.public": {"en": "a shopper", "zh-CN": "消费者"},
    "report.actor.service": {"en": "the service", "zh-CN": "系统自动"},
    "report.actor.organisation": {"en": "{name} ({slug})", "zh-CN": "{name}（{slug}）"},
    "report.proof.anchored": {
        "en": "Digest {digest}, in anchor #{anchor}",
        "zh-CN": "数字指纹 {digest}，锚定批次 #{anchor}",
    },
    "report.proof.not_anchored": {
        "en": "Digest {digest}, not anchored yet",
        "zh-CN": "数字指纹 {digest}，尚未锚定",
    },
    "report.tampered_note": {
        "en": "This record does not match what was anchored, or its link to the previous record is broken: do not rely on it.",
        "zh-CN": "该记录与锚定的内容不符，或与前一条记录的链接断开：请勿采信。",
    },
    "report.redacted_note": {"en": "Content erased: {reason}", "zh-CN": "内容已删除：{reason}"},
    "report.inspection.result": {"en": "inspection {result}", "zh-CN": "检验{result}"},
    "report.inspection.pass": {"en": "passed", "zh-CN": "合格"},
    "report.inspection.fail": {"en": "failed", "zh-CN": "不合格"},
    "report.inspection.independent": {
        "en": "by an independent inspector",
        "zh-CN": "由独立检验机构检验",
    },
    "report.inspection.self": {
        "en": "self-inspection by the supplier (not independent)",
        "zh-CN": "供应商自检（非独立检验）",
    },
    "report.sampling": {
        "en": "{standard}: {sample} sampled from a lot of {lot}, inspection level {level}",
        "zh-CN": "{standard}：批量 {lot}，抽检 {sample} 件，检验水平 {level}",
    },
    "report.sampling_class": {
        "en": "{name} defects: {defects} found, {ac} accepted at most (AQL {aql})",
        "zh-CN": "{name} 类缺陷：发现 {defects} 个，最多允收 {ac} 个（AQL {aql}）",
    },
    "report.detail": {"en": "{name}: {value}", "zh-CN": "{name}：{value}"},
    "report.complaint": {
        "en": "complaint {code}: {category}, {status}",
        "zh-CN": "投诉 {code}：{category}，{status}",
    },
    "report.complaint.serial": {"en": "about unit {serial}", "zh-CN": "涉及单品 {serial}"},
    "report.complaint.reason": {"en": "handler's reason: {reason}", "zh-CN": "处理说明：{reason}"},
    "report.complaint.evidence": {"en": "{count} evidence file(s)", "zh-CN": "证据文件 {count} 个"},
    "report.alert.numbers": {
        "en": "{complaints} complaints from {sources} sources in {days} days (threshold: {threshold} sources)",
        "zh-CN": "{days} 天内来自 {sources} 个来源的 {complaints} 条投诉（阈值：{threshold} 个来源）",
    },
    "report.alert.rate": {
        "en": "{rate} complaints per 1,000 units (threshold: {threshold})",
        "zh-CN": "每千件 {rate} 条投诉（阈值：{threshold}）",
    },
    "report.alert.automatic": {
        "en": "put on hold automatically when the thresholds were crossed",
        "zh-CN": "超过阈值后由系统自动暂停销售",
    },
    "report.alert.confirmed": {
        "en": "the quality desk confirmed the hold: {reason}",
        "zh-CN": "质量审核确认暂停销售：{reason}",
    },
    "report.alert.dismissed": {
        "en": "the quality desk dismissed the alert: {reason}",
        "zh-CN": "质量审核驳回预警：{reason}",
    },
    "report.recall": {
        "en": "class {severity} recall no. {recall}",
        "zh-CN": "{severity} 级召回（编号 {recall}）",
    },
    "report.recall.updated": {
        "en": "recall no. {recall} updated: class {severity}",
        "zh-CN": "召回（编号 {recall}）已更新：{severity} 级",
    },
    "report.recall.lifted": {
        "en": "recall no. {recall} lifted: the lot is safe",
        "zh-CN": "召回（编号 {recall}）已撤销：该批次安全",
    },
    "report.recall.completed": {
        "en": "recall no. {recall} completed",
        "zh-CN": "召回（编号 {recall}）已完成",
    },
    "report.recall.via": {
        "en": "reached this lot through batches {via}",
        "zh-CN": "经由批次 {via} 波及本批次",
    },
    "report.recall.reason": {"en": "reason: {reason}", "zh-CN": "原因：{reason}"},
    "report.recall.instructions": {
        "en": "instructions to shoppers: {instructions}",
        "zh-CN": "给消费者的指引：{instructions}",
    },
    "report.temperature": {"en": "temperature {value} °C", "zh-CN": "温度 {value} °C"},
    "report.handover.from": {"en": "from {party}", "zh-CN": "交付方 {party}"},
    "report.handover.to": {"en": "to {party}", "zh-CN": "接收方 {party}"},
    "report.declares": {
        "en": "declares record #{n} erroneous ({reason})",
        "zh-CN": "声明第 {n} 条记录有误（{reason}）",
    },
    "report.declared_erroneous": {
        "en": "declared erroneous by its author in record #{declaration}: {reason}",
        "zh-CN": "记录方已在第 {declaration} 条记录中声明其有误：{reason}",
    },
    "report.corrected_by": {"en": "corrected by {records}", "zh-CN": "更正记录：{records}"},
    "report.corrects": {"en": "corrects {records}", "zh-CN": "更正 {records}"},
    "report.anchors": {"en": "Anchors", "zh-CN": "链上锚定"},
    "report.anchors_empty": {"en": "No anchor yet.", "zh-CN": "尚无锚定。"},
    "report.column.index": {"en": "index", "zh-CN": "序号"},
    "report.column.root": {"en": "root", "zh-CN": "Merkle 根"},
    "report.column.leaves": {"en": "leaves", "zh-CN": "叶子数"},
    "report.column.block": {"en": "block", "zh-CN": "区块"},
    "report.column.transaction": {"en": "transaction", "zh-CN": "交易"},
    "report.recheck.title": {
        "en": "How to re-check without trusting this service",
        "zh-CN": "如何在不信任本服务的情况下复核",
    },
    "report.recheck": {
        "en": "Download the proof bundle (lotproof bundle BATCH_ID, or GET /api/v1/batches/BATCH_ID/audit/bundle) and run python scripts/verify_bundle.py BUNDLE.json --rpc URL (or lotproof verify-bundle) against any node of the chain above. It recomputes each record's SHA-256 digest of its RFC 8785 canonical JSON, checks the n/prev chain and each Merkle proof, and asks the TraceAnchor contract (anchorAt, verify) whether each root is anchored with the stated leaf count. Exit code 0 means every record verifies.",
        "zh-CN": "下载证明包（lotproof bundle BATCH_ID，或 GET /api/v1/batches/BATCH_ID/audit/bundle），然后对上述链的任一节点运行 python scripts/verify_bundle.py BUNDLE.json --rpc URL（或 lotproof verify-bundle）。它会按 RFC 8785 规范 JSON 重新计算每条记录的 SHA-256 数字指纹，检查 n/prev 记录链和每个 Merkle 证明，并向 TraceAnchor 合约（anchorAt、verify）查询每个根是否以所述叶子数锚定。退出码 0 表示每条记录都通过验证。",
    },
}
