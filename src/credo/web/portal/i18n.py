"""English and Simplified Chinese: interface texts, and dates and numbers formatted for the
language. Catalogue names come from the catalogue itself (every entry has ``en`` and ``zh``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"

TEXTS: dict[str, tuple[str, str]] = {
    "skip": ("Skip to content", "跳到正文"),
    "nav.main": ("Main", "主导航"),
    "nav.home": ("Public register", "公示查询"),
    "nav.defaulters": ("Judgment defaulters", "失信被执行人"),
    "nav.catalogue": ("Catalogue", "目录"),
    "nav.signin": ("Sign in", "登录"),
    "nav.signout": ("Sign out", "退出"),
    "nav.me": ("My report", "我的报告"),
    "nav.console": ("Operator console", "运营控制台"),
    "nav.api": ("API documentation", "接口文档"),
    "lang.label": ("Language", "语言"),
    "home.intro": (
        "Search the public register: licences and penalties of organisations, within their "
        "publicity period, and persons on public lists. Every record names its legal basis.",
        "查询公示信息：组织的行政许可和行政处罚（在公示期内），以及列入公示名单的个人。"
        "每条记录均注明法律依据。",
    ),
    "search.label": ("Name or Unified Social Credit Code", "名称或统一社会信用代码"),
    "search.button": ("Search", "查询"),
    "search.results": ("Results for", "查询结果："),
    "search.organisations": ("Organisations", "组织"),
    "search.persons": ("Persons on public lists", "列入公示名单的个人"),
    "search.none": ("Nothing found.", "未找到结果。"),
    "search.too_short": ("Type at least two characters.", "请输入至少两个字符。"),
    "org.identifiers": ("Identifiers", "标识"),
    "org.licences": ("Licences", "行政许可"),
    "org.penalties": ("Penalties and other public records", "行政处罚及其他公示信息"),
    "org.ratings": ("Public ratings", "公开评价"),
    "org.reasons": ("Reasons", "原因"),
    "org.lists": ("List entries", "名单"),
    "org.none": ("None within the publicity period.", "公示期内无记录。"),
    "org.kind": ("Kind", "类型"),
    "kind.organisation": ("Organisation", "组织"),
    "kind.public_body": ("Public body", "机关单位"),
    "kind.person": ("Person", "个人"),
    "col.type": ("Record type", "记录类型"),
    "col.date": ("Date", "日期"),
    "col.until": ("Published until", "公示截止"),
    "col.details": ("Details", "详情"),
    "col.amount": ("Amount", "金额"),
    "col.furnisher": ("Authority", "提供单位"),
    "col.basis": ("Legal basis", "法律依据"),
    "col.name": ("Name", "名称"),
    "col.id": ("Identity number", "证件号码"),
    "col.case": ("Case", "案号"),
    "col.term": ("Term", "期限"),
    "col.exit": ("How to exit", "退出方式"),
    "col.count": ("Count", "数量"),
    "col.state": ("State", "状态"),
    "col.reason": ("Reason", "原因"),
    "col.queue": ("Queue", "队列"),
    "col.created": ("Received", "接收时间"),
    "defaulters.title": ("Judgment defaulters", "失信被执行人名单"),
    "defaulters.intro": (
        "Persons and organisations the court has determined refuse to perform an effective "
        "judgment. Identity numbers are masked. An entry ends when the obligation is performed.",
        "法院认定有履行能力而拒不履行生效法律文书的个人和组织。证件号码已脱敏。"
        "履行义务后即退出名单。",
    ),
    "defaulters.total": ("entries in force", "条有效记录"),
    "page.previous": ("Previous", "上一页"),
    "page.next": ("Next", "下一页"),
    "page.of": ("Page", "第"),
    "catalogue.title": ("Catalogue of record types", "信用信息目录"),
    "catalogue.intro": (
        "Every kind of record the registry may hold, who may furnish it, and on what legal basis.",
        "本平台可归集的全部信息类型、提供单位及其法律依据。",
    ),
    "catalogue.public": ("Published", "公示"),
    "catalogue.not_public": ("Not published", "不公示"),
    "catalogue.effect": ("Maximum effect", "最长影响期"),
    "catalogue.publicity": ("Minimum publicity", "最短公示期"),
    "catalogue.severity": ("Severity", "严重程度"),
    "catalogue.domain": ("Domain", "领域"),
    "catalogue.repair": ("Credit repair", "信用修复"),
    "catalogue.ratings": ("Ratings", "评价"),
    "catalogue.lists": ("Lists", "名单"),
    "catalogue.measures": ("Measures", "措施"),
    "signin.title": ("Sign in", "登录"),
    "signin.key": ("API key", "API 密钥"),
    "signin.help": (
        "Use a key printed by `credo demo` (for example the subject's or the operator's).",
        "请使用 `credo demo` 输出的密钥（例如信息主体或运营人员的密钥）。",
    ),
    "signin.failed": ("That key is not valid.", "密钥无效。"),
    "me.title": ("My credit report", "我的信用报告"),
    "me.records": ("Records held about you", "与您有关的记录"),
    "me.effect": ("In effect", "生效中"),
    "me.no_effect": ("No effect", "无影响"),
    "me.intro": (
        "Everything the registry holds about you, including records that are not published.",
        "本平台持有的与您有关的全部信息，包括不公示的记录。",
    ),
    "console.title": ("Operator console", "运营控制台"),
    "console.subjects": ("Subjects", "信息主体"),
    "console.records_by_year": ("Records by year of occurrence", "按发生年份统计的记录"),
    "console.records_by_type": ("Current records by type", "按类型统计的当前记录"),
    "console.ingest": ("Ingestion runs", "归集批次"),
    "console.quarantine": ("Quarantine reasons", "隔离原因"),
    "console.review": ("Open review items", "待审核事项"),
    "console.review_by_queue": ("Open review items by queue", "各队列待审核事项"),
    "console.bands": ("Subjects per band", "各等级主体数"),
    "console.list_sizes": ("List entries in effect", "有效名单条目"),
    "console.list_inflow": ("List entries taking effect, by year", "按年份统计的新增名单条目"),
    "console.list_outflow": ("List entries ended, by year", "按年份统计的退出名单条目"),
    "console.identity": ("Identity review queue", "身份核验队列"),
    "building": (
        "The demo registry is still being built: pages show what is loaded so far, and the "
        "demo's sign-in keys are printed when the build is done.",
        "演示登记库仍在构建中：页面显示目前已载入的数据，构建完成后将打印演示登录密钥。",
    ),
    "console.none": ("Nothing here yet.", "暂无数据。"),
    "console.rows": ("rows read", "读取行数"),
    "console.accepted": ("accepted", "接收"),
    "console.duplicate": ("duplicate", "重复"),
    "console.quarantined": ("quarantined", "隔离"),
    "me.ratings": ("Ratings", "评价"),
    "me.lists": ("List entries", "名单"),
    "me.inquiries": ("Who looked", "查询记录"),
    "me.disputes": ("Disputes and claims", "异议与申诉"),
    "me.repairs": ("Credit repair applications", "信用修复申请"),
    "me.notices": ("Notices", "通知"),
    "me.rights": ("Your rights", "您的权利"),
    "me.act": ("Act on this record", "处理此记录"),
    "me.dispute": ("Dispute", "提出异议"),
    "me.not_me": ("Not me", "非本人"),
    "me.grounds": ("Grounds", "理由"),
    "me.kind": ("What do you claim?", "您的主张"),
    "me.kind.dispute": ("The record is wrong", "记录有误"),
    "me.kind.identity_claim": ("This record is not about me", "此记录与我无关"),
    "me.kind.repair": ("Credit repair", "信用修复"),
    "me.submit": ("Submit", "提交"),
    "me.statement": ("Attach a statement", "附加说明"),
    "me.statement_text": ("Your statement", "您的说明"),
    "me.repair": ("Apply for credit repair", "申请信用修复"),
    "me.repair_from": ("Repair possible from", "可申请修复日期"),
    "me.condition": ("Condition met", "满足的条件"),
    "me.proof": ("Proof (document number)", "证明（文书编号）"),
    "me.status": ("Status", "状态"),
    "me.deadline": ("Deadline", "截止日期"),
    "me.outcome_reasons": ("Reasons", "理由"),
    "me.none": ("None.", "无。"),
    "me.band": ("Band", "等级"),
    "me.purpose": ("Purpose", "用途"),
    "me.relying_party": ("Relying party", "查询机构"),
    "me.watchers": ("Who watches your file", "谁在关注您的信用档案"),
    "me.watchers_intro": (
        "A relying party that subscribes hears when a decision about you for its purpose may "
        "change. Subscribing, renewing and every message sent appear above, under who looked.",
        "订阅的机构会在其用途下关于您的决定可能变化时收到通知。订阅、续订和每次发送的通知都列在上方的查询记录中。",
    ),
    "me.legal_basis": ("Legal basis", "法律依据"),
    "me.since": ("Since", "起始时间"),
    "me.watching": ("watching", "关注中"),
    "me.stopped": ("stopped", "已停止"),
    "me.done": (
        "Received. The record has no effect while the dispute is open.",
        "已受理。异议处理期间该记录不产生影响。",
    ),
    "console.disputes": ("Dispute queue", "异议队列"),
    "console.repairs": ("Repair applications", "信用修复申请"),
    "console.cases": (
        'Case queue: disputes, "not me" claims, repair applications',
        "案件队列：异议、“非本人”申诉、信用修复申请",
    ),
    "console.claim": ("Claim", "主张"),
    "console.all_kinds": ("All kinds", "全部类型"),
    "console.show": ("Show", "显示"),
    "console.backlog": ("Open disputes by time to deadline", "按剩余期限统计的未决异议"),
    "console.resolve": ("Resolve", "处理"),
    "console.outcome": ("Outcome", "结果"),
    "console.approve": ("Approve", "批准"),
    "console.reject": ("Reject", "驳回"),
    "console.record": ("Record", "记录"),
    "console.subject": ("Subject", "信息主体"),
    "backlog.overdue": ("overdue", "已逾期"),
    "backlog.week": ("due within 7 days", "7天内到期"),
    "backlog.later": ("due later", "7天后到期"),
    "forbidden": ("This page is not for your role.", "您的角色无权访问此页面。"),
    "csrf.refused": (
        "This form was not sent from this site's page, or the page has expired. "
        "Open the page again and resend it.",
        "此表单并非从本站页面提交，或页面已过期。请重新打开页面后再提交。",
    ),
    # the registry's closed vocabularies on the catalogue page (credo.catalog.vocab)
    "domain.court_enforcement": ("Court enforcement", "法院执行"),
    "domain.tax": ("Tax", "税务"),
    "domain.market_regulation": ("Market regulation", "市场监管"),
    "domain.food_safety": ("Food safety", "食品安全"),
    "domain.product_quality": ("Product quality", "产品质量"),
    "domain.public_procurement": ("Public procurement", "政府采购"),
    "domain.finance": ("Finance", "金融"),
    "domain.consumer_credit": ("Consumer credit", "消费信贷"),
    "domain.transport": ("Transport", "交通运输"),
    "domain.environmental_protection": ("Environmental protection", "生态环境保护"),
    "domain.labour_and_social_security": ("Labour and social security", "劳动和社会保障"),
    "domain.public_office_integrity": ("Integrity in public office", "公职廉洁"),
    "severity.minor": ("Minor", "轻微"),
    "severity.general": ("General", "一般"),
    "severity.serious": ("Serious", "严重"),
    "polarity.negative": ("adverse information", "不良信息"),
    "polarity.positive": ("favourable information", "良好信息"),
    "polarity.neutral": ("neutral information", "中性信息"),
    "state.active": ("active", "有效"),
    "state.performed": ("performed", "已履行"),
    "state.revoked": ("revoked", "已撤销"),
    "state.delisted": ("delisted", "已移出名单"),
    # the registry's own codes in words (the catalogue's codes: credo.catalog.labels)
    "effect.period_ended": ("No effect: its period ended", "无影响：期限已届满"),
    "effect.capped_by_ceiling": (
        "No effect: it reached its longest period",
        "无影响：已达最长影响期",
    ),
    "effect.lapsed_unconfirmed": ("No effect: not confirmed in time", "无影响：未按期确认"),
    "effect.delisted": ("No effect: ended early by the authority", "无影响：已被提前移出"),
    "effect.performed": ("No effect: the obligation was performed", "无影响：义务已履行"),
    "effect.annulled": ("No effect: the decision was annulled", "无影响：决定已撤销"),
    "effect.repaired": ("No effect: credit repaired", "无影响：信用已修复"),
    "effect.retention_ended": ("No effect: past its retention period", "无影响：已超过保存期限"),
    "effect.not_yet_in_effect": ("Not in effect yet", "尚未生效"),
    "effect.not_final": ("No effect: under appeal", "无影响：尚在上诉中"),
    "effect.deleted": ("No effect: deleted", "无影响：已删除"),
    "effect.dispute": ("No effect while your dispute is open", "异议处理期间不产生影响"),
    "effect.identity_claim": (
        "No effect while your 'not me' claim is open",
        "“非本人”申诉处理期间不产生影响",
    ),
    "effect.unverified": ("No effect: not verified in time", "无影响：未在期限内核实"),
    "dispute.status.open": ("Open", "处理中"),
    "dispute.status.unverified": (
        "Not verified in time: the record stays without effect",
        "未在期限内核实：记录不产生影响",
    ),
    "dispute.status.corrected": ("Successful: the record was corrected", "异议成立：记录已更正"),
    "dispute.status.deleted": ("Successful: the record was deleted", "异议成立：记录已删除"),
    "dispute.status.upheld": ("Not successful: the record was kept", "异议不成立：记录予以保留"),
    "dispute.status.frivolous": (
        "Not successful: dismissed as unfounded",
        "异议不成立：因无正当理由被驳回",
    ),
    "dispute.status.confirmed": (
        "Successful: the record is not about you and was removed",
        "申诉成立：记录与您无关，已删除",
    ),
    "dispute.status.rejected": (
        "Not successful: the record is about you",
        "申诉不成立：记录确属本人",
    ),
    "resolve.corrected": (
        "Corrected (the furnisher sent a correction)",
        "已更正（提供单位已报送更正）",
    ),
    "resolve.deleted": ("Delete the record", "删除记录"),
    "resolve.upheld": ("Keep the record: the dispute fails", "保留记录：异议不成立"),
    "resolve.frivolous": ("Dismiss as unfounded: the record is kept", "以无正当理由驳回：保留记录"),
    "resolve.confirmed": ("Not this person: delete the record", "确非本人：删除记录"),
    "resolve.rejected": ("The record is about this person: keep it", "确属本人：保留记录"),
    "repair.status.pending": ("Pending", "审核中"),
    "repair.status.approved": ("Approved", "已批准"),
    "repair.status.rejected": ("Rejected", "未批准"),
    "entry.notified": ("Notified: not in effect yet", "已告知：尚未生效"),
    "entry.effective": ("In effect", "生效中"),
    "entry.ended": ("Ended", "已结束"),
    "inquiry.clear": ("Nothing against you", "无不利结果"),
    "inquiry.restricted": ("Restricted", "受限制"),
    "inquiry.benefit": ("Benefit granted", "享受激励"),
    "inquiry.review": ("Sent to a person for review", "转人工审核"),
    "inquiry.subscribed": ("Started watching your file", "开始关注您的档案"),
    "inquiry.renewed": ("Renewed watching your file", "续订关注您的档案"),
    "inquiry.notified": ("Told of a change in your file", "已收到档案变化通知"),
    "rights.free_copy": (
        "This report is free. You may ask for it at any time.",
        "本报告免费提供，您可以随时查询。",
    ),
    "rights.dispute": (
        "You may dispute any record; it has no effect until the dispute is resolved, by the "
        "deadline shown. Unresolved by then, it stays without effect as unverified.",
        "您可以对任何记录提出异议；异议处理完毕前该记录不产生影响，处理期限见上。"
        "逾期未处理的，该记录按未核实处理，继续不产生影响。",
    ),
    "rights.not_me": (
        "If a record is not about you, file a 'not me' claim: it is suspended at once.",
        "如记录与您无关，可以提出“非本人”申诉，该记录立即暂停使用。",
    ),
    "rights.statement": (
        "You may attach your own statement to any record; it travels with it.",
        "您可以为任何记录附加本人说明，说明随记录一并提供。",
    ),
    "rights.repair": (
        "Where the record type allows it, you may apply for credit repair from the date "
        "shown, with proof that the conditions are met.",
        "记录类型允许信用修复的，您可以自所示日期起申请修复，并提交满足条件的证明。",
    ),
    # furnisher quality (G-49, credo.web.portal.quality)
    "quality.title": ("Furnisher quality", "信息提供单位数据质量"),
    "quality.intro": (
        "Each furnisher's rates over the last {days} days, as of the last scheduled run. A "
        "furnisher above a threshold (with at least {records} records in the window) is held "
        "for review: its new records are held and its records carry a data-quality flag until "
        "an operator releases it with reasons.",
        "各信息提供单位最近{days}天的比率（以最近一次定时任务为准）。任一比率超过阈值（且窗口内"
        "记录不少于{records}条）的单位将被暂停待审：其新报送的记录暂不入库，其记录附带数据质量"
        "标记，直至运营人员说明理由后解除。",
    ),
    "quality.records": ("Records", "记录数"),
    "quality.dispute_rate": ("Dispute rate", "异议率"),
    "quality.correction_rate": ("Correction rate", "更正率"),
    "quality.overturn_rate": ("Overturn rate", "异议成立率"),
    "quality.late_response_rate": ("Late-response rate", "逾期答复率"),
    "quality.threshold": ("threshold", "阈值"),
    "quality.state": ("State", "状态"),
    "quality.held": ("Held for review since", "暂停待审，自"),
    "quality.ok": ("Not held", "正常"),
    "quality.released": ("Released", "已解除"),
    "quality.release": ("Release", "解除暂停"),
    "quality.reasons": ("What the review found", "审查结论"),
    "quality.evaluated": ("Evaluated", "评估时间"),
    # advisory decisions and their human review (G-37, credo.web.portal.reviews)
    "nav.reviews": ("Advisory decisions", "待人工确认的决定"),
    "reviews.title": ("Advisory decisions: a person decides", "待人工确认的决定"),
    "reviews.intro": (
        "A decision with a legal or similarly significant effect is only advice until a named "
        "person of your organisation confirms it, or overrides it with reasons. You have full "
        "authority to depart from it; every decision is recorded with your name.",
        "具有法律效力或类似重大影响的决定仅为建议，须由贵单位具名人员确认，或说明理由后推翻，"
        "方可生效。贵单位有权不采纳建议；每项决定均以您的姓名记录在案。",
    ),
    "reviews.pending": ("Waiting for a person", "待人工确认"),
    "reviews.decided": ("Reviewed", "已复核"),
    "reviews.none": ("None.", "无。"),
    "reviews.transaction": ("Transaction", "业务编号"),
    "reviews.subject": ("Subject", "对象"),
    "reviews.purpose": ("Purpose", "用途"),
    "reviews.measures": ("Significant measures", "重大措施"),
    "reviews.advised": ("Advised outcome", "建议结果"),
    "reviews.decide_by": ("Decide by", "确认期限"),
    "reviews.decision": ("Your decision", "您的决定"),
    "reviews.reviewer": ("Reviewer (your name)", "复核人（您的姓名）"),
    "reviews.confirm": ("Confirm the advice", "确认建议"),
    "reviews.override": ("Override (reasons required)", "推翻（须说明理由）"),
    "reviews.reasons": ("Reasons", "理由"),
    "reviews.submit": ("Record the decision", "记录决定"),
    "reviews.status": ("Status", "状态"),
    "reviews.status.confirmed": ("confirmed", "已确认"),
    "reviews.status.overridden": ("overridden", "已推翻"),
    "reviews.status.expired": ("expired unreviewed", "过期未复核"),
    "reviews.stats": ("Reviewers and override rates", "复核人及推翻率"),
    "reviews.flag_rule": (
        "A reviewer who has confirmed nearly every one of at least 10 decisions is flagged "
        "for audit: a review that only repeats the advice is no human decision.",
        "复核人在至少10项决定中几乎全部确认建议的，将被标记以供审计：仅重复建议的复核不构成人工决定。",
    ),
    "reviews.party": ("Relying party", "使用方"),
    "reviews.count": ("Reviews", "复核数"),
    "reviews.confirmed": ("Confirmed", "确认"),
    "reviews.overridden": ("Overridden", "推翻"),
    "reviews.override_rate": ("Override rate", "推翻率"),
    "reviews.pending_count": ("Waiting", "待复核"),
    "reviews.flag": ("Audit flag", "审计标记"),
    "reviews.flagged": ("Rubber-stamping? Flagged for audit", "疑似走过场，已标记审计"),
}


@dataclass(frozen=True)
class Translator:
    """Texts and formats of one language, and the languages the registry offers."""

    lang: str
    offered: tuple[str, ...] = LANGUAGES

    def __call__(self, key: str) -> str:
        pair = TEXTS.get(key)
        if pair is None:
            return key
        return pair[1] if self.lang == "zh" else pair[0]

    def label(self, prefix: str, code: str) -> str:
        """A code of the registry's own in words (``prefix.code``); the code as words when
        no text has it."""
        key = f"{prefix}.{code}"
        return self(key) if key in TEXTS else code.replace("_", " ")

    def pick(self, text: Any) -> str:
        """A catalogue ``Text`` (``en``/``zh``) in this language."""
        return str(getattr(text, self.lang, None) or getattr(text, "en", text))

    def date(self, value: date | datetime | str | None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if self.lang == "zh":
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.day} {value:%b} {value.year}"

    def number(self, value: float | int | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, float) and not value.is_integer():
            return f"{value:,.2f}"
        return f"{int(value):,}"

    def money(self, value: float | int | None) -> str:
        if value is None:
            return "—"
        amount = f"{float(value):,.2f}"
        return f"{amount} 元" if self.lang == "zh" else f"CNY {amount}"


def choose_language(
    query: str | None,
    cookie: str | None,
    accept: str | None,
    offered: tuple[str, ...] = LANGUAGES,
) -> str:
    """The language asked for in the URL, then the cookie, then the browser's preference,
    among those the registry offers (``registry.languages``)."""
    for candidate in (query, cookie):
        if candidate in offered:
            return candidate
    if accept and accept.lower().startswith("zh") and "zh" in offered:
        return "zh"
    return DEFAULT_LANGUAGE
