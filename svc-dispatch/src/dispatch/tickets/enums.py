"""The closed sets of tickets with their Chinese labels (statuses, sources, steps, reasons, results)."""

from __future__ import annotations

from jiceng_shared.enums import LabelledEnum


class TicketStatus(LabelledEnum):
    REGISTERED = "registered", "已登记待派遣"
    VOIDED = "voided", "已作废"
    DISPATCHED = "dispatched", "已派遣待签收"
    ACCEPTED = "accepted", "已签收"
    IN_PROGRESS = "in_progress", "处置中"
    HANDLED = "handled", "已处置待核查"
    CALLBACK_PENDING = "callback_pending", "待回访"
    AWAITING_DECISION = "awaiting_decision", "待镇街领导决定"
    PARKED = "parked", "已挂账"
    CLOSED = "closed", "已办结"
    REOPENED = "reopened", "返工"
    RETURNED = "returned", "已退回"


class TicketSource(LabelledEnum):
    GRID = "grid", "网格上报"
    HOTLINE = "hotline", "12345热线"
    DEPARTMENT = "department", "部门系统"
    CENTRE = "centre", "指挥中心登记"
    #: a request of a third-party client through Open311 GeoReport v2 (a citizen's app or portal)
    OPEN311 = "open311", "Open311接口"


class StepKind(LabelledEnum):
    RECEIVED = "received", "接收"
    MERGED = "merged", "并单"
    DISPATCHED = "dispatched", "派遣"
    UNROUTABLE = "unroutable", "待人工派遣"
    VOIDED = "voided", "作废"
    SIGNED_FOR = "signed_for", "签收"
    LEAD_RECORDED = "lead_recorded", "线索已登记"
    CASE_OPENED = "case_opened", "已立案"
    TRANSFERRED = "transferred", "移送"
    FEEDBACK = "feedback", "处置反馈"
    VERIFICATION_PASSED = "verification_passed", "核查通过"
    VERIFICATION_FAILED = "verification_failed", "核查未通过"
    CALLBACK = "callback", "回访"
    CALLBACK_DECISION = "callback_decision", "领导决定"
    CLOSED = "closed", "办结"
    REOPENED = "reopened", "返工"
    WARNING = "warning", "临期预警"
    ESCALATED = "escalated", "督办"
    SUPERVISION_ANSWERED = "supervision_answered", "督办答复"
    RETURNED = "returned", "退回"
    REASSIGNED = "reassigned", "改派"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_APPROVED = "extension_approved", "同意延期"
    EXTENSION_REFUSED = "extension_refused", "不同意延期"
    PARK_REQUESTED = "park_requested", "申请挂账"
    PARKED = "parked", "挂账"
    PARK_REFUSED = "park_refused", "不同意挂账"
    RESUMED = "resumed", "解除挂账"
    COOPERATION = "cooperation", "配合单位反馈"
    JOINT_ACTION = "joint_action", "联合执法"
    SUMMONED = "summoned", "吹哨"
    SUMMONS_ANSWERED = "summons_answered", "报到"
    SUMMONS_MISSED = "summons_missed", "未按时报到"


class VoidReason(LabelledEnum):
    """Why a report is not a valid ticket (注销/作废; 12345 不予受理 scope, rules-reference §4.1)."""

    INVALID = "invalid", "无效上报（不属实或无法核实）"
    DUPLICATE = "duplicate", "重复上报"
    EMERGENCY = "emergency", "属110/119/120/122紧急事项"
    OTHER_PROCEDURE = "other_procedure", "依法应通过诉讼、仲裁、复议、信访等途径解决"
    NOT_GOVERNMENT = "not_government", "不属于政府职责"


class CallbackResult(LabelledEnum):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class SupervisedLimit(LabelledEnum):
    DISPATCH = "dispatch", "派遣时限"
    RESPONSE = "response", "签收时限"
    HANDLING = "handling", "办理时限"
    #: a summoned department's time to report (报到)
    SUMMONS = "summons", "报到时限"
    #: not a limit: the centre or the township leader supervises a matter by hand (人工督办)
    MANUAL = "manual", "人工督办"


class Addressee(LabelledEnum):
    """Who a supervision order (督办单) is addressed to, level by level."""

    CENTRE_HEAD = "centre_head", "镇街综合指挥中心负责人"
    UNIT_HEAD = "unit_head", "承办单位负责人"
    TOWNSHIP_LEADER = "township_leader", "镇街领导"
    COUNTY = "county", "县(区)指挥中心"


class PartRole(LabelledEnum):
    """What a unit other than the handling unit does on a ticket."""

    COOPERATING = "cooperating", "配合单位"
    SQUAD = "squad", "联合执法队"
    DEPARTMENT = "department", "联合执法部门"
