"""Settings of svc-assessment (prefix ``ASSESSMENT_``; common ones may also come as ``JICENG_``)."""

from typing import ClassVar

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

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
    #: a unit may return (退单) a ticket outside its remit within this many working days of its
    #: assignment without it counting against the unit (Shandong 政务服务热线管理办法 2020: a wrongly
    #: routed ticket is returned within 2 working days with the reason; rules-reference §4.2)
    return_window_workdays: int = 2
    #: ticket sources that are citizens' calls, scored by the three rates (接诉即办)
    hotline_sources: list[str] = ["hotline"]
    hotline_score_weights: dict[str, int] = dict(DEFAULT_HOTLINE_WEIGHTS)
    #: 每月一题: the same category in the same grid or village in at least this many months in a row
    #: (month after month: this one and the one before), with at least ``recurring_min_tickets`` each
    recurring_min_months: int = 2
    recurring_min_tickets: int = 1

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
        if not 1 <= self.bad_rating_max_level < 5:
            raise ValueError("bad_rating_max_level must lie in 1..4")
        return self
