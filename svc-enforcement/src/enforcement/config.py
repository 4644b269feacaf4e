"""Settings of svc-enforcement (prefix ``ENFORCEMENT_``; common ones may also come as ``JICENG_``).

Every number of the enforcement rules is here with the value of the design as its default
(domain.md "svc-enforcement", rules-reference.md §7); the rules themselves live in the
sub-domains' ``rules.py`` and receive these values.
"""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jiceng_shared.settings import CommonSettings
from jiceng_shared.topology import SERVICE_BY_NAME


class EnforcementSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="ENFORCEMENT_", extra="ignore")
    service_name: ClassVar[str] = "enforcement"
    default_port: ClassVar[int] = SERVICE_BY_NAME["enforcement"].port

    #: decide whether to file a lead within this many working days (rules-reference §7.4: 市场监督管理
    #: 行政处罚程序规定 art. 18, a department rule used as the local default; 行政处罚法 art. 54 "及时立案")
    filing_workdays: int = 15
    #: and this many more with the approval of the office's head (same source)
    filing_extension_workdays: int = 15
    #: officers needed to open a case and to act on the spot (行政处罚法 art. 42, 51)
    min_officers: int = 2
    #: a decision within this many calendar days of registration (行政处罚法 art. 60)
    decision_days: int = 90
    #: one extension of this many days with the approval of the office's head (rules-reference §7.4;
    #: 市场监督管理行政处罚程序规定 art. 64, under art. 60's "法律、法规、规章另有规定的除外")
    decision_extension_days: int = 30
    #: summary procedure (简易程序) fine ceilings, yuan (行政处罚法 art. 51)
    summary_fine_max_person_yuan: int = 200
    summary_fine_max_organisation_yuan: int = 3000
    #: 较大数额罚款: from these amounts a fine is a major decision (legal review, hearing offered);
    #: the law leaves the values to provinces and departments (rules-reference §7.1 art. 63, [U])
    large_fine_person_yuan: int = 5000
    large_fine_organisation_yuan: int = 50000
    #: the legal review (法制审核) is completed within this many working days of the file (rules-reference
    #: §7.4, 市场监督管理行政处罚程序规定; 行政处罚法 art. 58 requires the review, not its period)
    legal_review_workdays: int = 10
    #: leaders at a collective deliberation of a major case (行政处罚法 art. 57 "集体讨论"; the number is local)
    deliberation_min_members: int = 3
    #: a party may ask for a hearing within this many working days of the rights notice (行政处罚法 art. 64 (1))
    hearing_request_workdays: int = 5
    #: the hearing is notified at least this many days before it is held (行政处罚法 art. 64 (2))
    hearing_notice_days: int = 7
    #: the decision is served on the spot or within this many days (行政处罚法 art. 61)
    service_days: int = 7
    #: the fine is paid within this many days of the service (行政处罚法 art. 67)
    payment_days: int = 15
    #: a late payment adds this percentage of the fine per day, never more than the fine (行政处罚法 art. 72 (1),
    #: 行政强制法 art. 45)
    late_fee_percent_per_day: int = 3
    #: the party may ask for administrative review within this many days of the service (行政复议法 art. 20)
    administrative_review_days: int = 60
    #: and go to court within this many months (行政诉讼法 art. 46); unpaid after both, the office may apply
    #: to the court for enforcement (行政处罚法 art. 72 (3), 行政强制法 art. 53)
    litigation_months: int = 6
    #: a decision is published within this many working days of it (国办发〔2018〕118号, rules-reference §7.3)
    disclosure_workdays: int = 7
    #: a published decision revoked or changed is withdrawn within this many working days (行政处罚法 art. 48)
    withdrawal_workdays: int = 3
    #: a random inspection draws at least this share of the register, in percent, configurable per plan
    #: above it (企业信息公示暂行条例 / SAMR Order 101 抽查比例不低于3%, rules-reference §8)
    inspection_min_ratio_percent: int = 3
    #: and at least this many inspectors per target (rules-reference §8 [L]; 行政处罚法 art. 42)
    inspection_min_inspectors: int = 2
    #: a stationed squad's assessment: the township's share, at least this (002; domain.md dual leadership),
    #: the county bureau the rest (60 / 40)
    stationed_township_weight_percent: int = 60
    #: how often the background scan looks for cases and leads past their deadline (seconds)
    overdue_scan_seconds: float = 60.0
    #: the longest text of one record entry
    record_content_max_chars: int = 20000
