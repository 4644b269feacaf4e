"""Settings of svc-assessment (prefix ``ASSESSMENT_``; common ones may also come as ``JICENG_``)."""

from typing import ClassVar

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from jiceng_shared.contracts.dispatch import RETURN_WINDOW_WORKDAYS
from jiceng_shared.settings import CommonSettings
from jiceng_shared.topology import SERVICE_BY_NAME

#: window staff and proxy agents (002 annex): discipline 30, skills 30, service conduct 20, public rating 20
DEFAULT_STAFF_SCORE_WEIGHTS = {"discipline": 30, "skills": 30, "service_conduct": 20, "public_rating": 20}
#: the hotline's three rates into one score of 100 points: Beijing's 接诉即办 assessment as commonly
#: reported (响应率 10 %, 解决率 45 %, 满意率 45 %); a county sets its own weighting
DEFAULT_HOTLINE_WEIGHTS = {"response": 10, "resolution": 45, "satisfaction": 45}


class AssessmentSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="ASSESSMENT_", extra="ignore")
    service_name: ClassVar[str] = "assessment"
    default_port: ClassVar[int] = SERVICE_BY_NAME["assessment"].port

    #: 好差评 levels run 1 (非常不满意) .. 5 (非常满意); levels up to this one are 差评 (国办发〔2019〕51号)
    bad_rating_max_level: int = 2
    #: points of the window staff score, 100 in all; ``public_rating`` is computed from the ratings,
    #: the other parts are the published list's score items (seeded with these maxima)
    staff_score_weights: dict[str, int] = dict(DEFAULT_STAFF_SCORE_WEIGHTS)
    #: an enforcement case is closed in time when closed within this many calendar days of
    #: registration (行政处罚法 art. 60: decision within 90 days)
    case_time_limit_days: int = 90
    #: a return (退单) within this many working days of assignment does not count against the unit
    #: (the window dispatch enforces; its default is written once, in the dispatch contracts)
    return_window_workdays: int = RETURN_WINDOW_WORKDAYS
    #: ticket sources that are citizens' calls, scored by the three rates (接诉即办)
    hotline_sources: list[str] = ["hotline"]
    hotline_score_weights: dict[str, int] = dict(DEFAULT_HOTLINE_WEIGHTS)
    #: 每月一题: the same category in the same grid or village in at least this many months in a row
    #: (month after month: this one and the one before), with at least ``recurring_min_tickets`` each
    recurring_min_months: int = 2
    recurring_min_tickets: int = 1

    #: a stationed office's or squad's result: the township's assessment counts for at least 60 %
    #: (001: 乡镇(街道)对派驻机构工作考核评分占比达到60%以上; 002 (2)考核权: 执法中队 综合执法局占40%、
    #: 乡镇(街道)党(工)委占60%), the county department's for the rest
    stationed_township_weight: int = 60

    #: a figure is appealed (申诉) within this many calendar days of the later of its period's end
    #: and the publication of its result (no seed sets the number: the county's 细则 does)
    appeal_window_days: int = 10

    # --- grid workers (002 art. 30-34) ---
    #: residents' satisfaction is at least 40 % of the score (002 art. 32: 满意度测评分值应占总测评分值的40%以上)
    grid_satisfaction_weight: int = 40
    #: satisfaction below 85 % bars 优秀; below 70 % bars 合格 and above (002 art. 32)
    grid_excellent_min_satisfaction: float = 0.85
    grid_pass_min_satisfaction: float = 0.70
    #: at most 15 % of a township's grid workers are 优秀 (002 art. 31), rounded down; 000 §26
    #: allows raising the cap where rules allow (e.g. 20 % for township units, rules-reference §9)
    grid_excellent_cap_percent: int = 15
    #: the grade a score earns before the bars and the cap (the seed sets no numbers: the county's
    #: 细则 does; 100-point scale)
    grid_grade_min_scores: dict[str, float] = {"excellent": 90, "pass": 75, "basic_pass": 60}
    #: a quarter below this score is 不称职 (002 art. 33-34; the county's 细则)
    grid_quarter_pass_score: float = 60
    #: the one-off award of an annual 优秀 (002 art. 33: 可一次性给予800元的奖励)
    grid_excellent_award_yuan: int = 800
    #: consecutive failing quarters, and verified complaints in a year, that open a dismissal
    #: review (002 art. 34: 连续两个季度…不称职; 被群众投诉3次以上查证属实)
    grid_dismissal_failing_quarters: int = 2
    grid_dismissal_complaints: int = 3
    #: signed diaries (民情日志) due per month on the roster (weekly; the county's 细则 sets it)
    grid_diaries_per_month: int = 4
    #: a grid worker's on-site verification (核查) is on time when done within this many hours of the
    #: unit's feedback (rules-reference §3.4, Taiyuan: urban and urban-rural fringe ≤ 1 h, rural ≤ 2 h)
    grid_verification_limit_hours: float = 2
    #: respondents drawn per survey unless the assessor asks for another number
    grid_survey_sample_size: int = 10

    @model_validator(mode="after")
    def _weights_make_100(self) -> "AssessmentSettings":
        if "public_rating" not in self.staff_score_weights:
            raise ValueError("staff_score_weights needs a public_rating part")
        if sum(self.staff_score_weights.values()) != 100 or min(self.staff_score_weights.values()) < 0:
            raise ValueError("staff_score_weights must be non-negative and add up to 100")
        hotline = self.hotline_score_weights
        if set(hotline) != set(DEFAULT_HOTLINE_WEIGHTS) or sum(hotline.values()) != 100 or min(hotline.values()) < 0:
            raise ValueError("hotline_score_weights needs response, resolution and satisfaction adding up to 100")
        if self.recurring_min_months < 2 or self.recurring_min_tickets < 1:
            raise ValueError("recurring problems need 2 months or more and 1 ticket or more")
        if self.appeal_window_days < 1:
            raise ValueError("appeal_window_days must be at least 1")
        if not 60 <= self.stationed_township_weight <= 100:
            raise ValueError("stationed_township_weight must be at least 60 (001, 002) and at most 100")
        if not 40 <= self.grid_satisfaction_weight <= 100:
            raise ValueError("grid_satisfaction_weight must be at least 40 (002 art. 32) and at most 100")
        if not 0 <= self.grid_pass_min_satisfaction <= self.grid_excellent_min_satisfaction <= 1:
            raise ValueError("grid satisfaction bars must satisfy 0 <= pass <= excellent <= 1")
        mins = self.grid_grade_min_scores
        if (
            set(mins) != {"excellent", "pass", "basic_pass"}
            or not mins["excellent"] >= mins["pass"] >= mins["basic_pass"]
        ):
            raise ValueError("grid_grade_min_scores needs excellent >= pass >= basic_pass")
        if not 0 <= self.grid_excellent_cap_percent <= 100:
            raise ValueError("grid_excellent_cap_percent must lie in 0..100")
        if self.grid_verification_limit_hours <= 0:
            raise ValueError("grid_verification_limit_hours must be positive")
        if self.grid_dismissal_failing_quarters < 1 or self.grid_dismissal_complaints < 1:
            raise ValueError("dismissal thresholds must be at least 1")
        if not 1 <= self.bad_rating_max_level < 5:
            raise ValueError("bad_rating_max_level must lie in 1..4")
        return self
