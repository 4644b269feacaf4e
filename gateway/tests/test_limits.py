"""The abuse limits as pure rules: both sides of every number."""

from gateway.limits import FailureWindow, LoginLimits, LoginThrottle, RateLimiter


def test_the_default_limits_are_5_per_account_and_20_per_address_in_15_minutes():
    assert LoginLimits() == LoginLimits(max_per_account=5, max_per_address=20, window_seconds=900)


def test_an_account_may_fail_5_times_then_waits_until_the_oldest_failure_leaves_the_window():
    throttle = LoginThrottle(LoginLimits())
    for i in range(4):
        throttle.failed("Alice", None, now=100.0 + i)
    assert throttle.retry_after("alice", None, now=104.0) is None  # 4 failures: a 5th attempt may go on
    throttle.failed("alice", None, now=104.0)
    assert throttle.retry_after("alice", None, now=105.0) == 895  # 100 + 900 - 105
    assert throttle.retry_after("alice", None, now=999.9) == 1
    assert throttle.retry_after("alice", None, now=1000.0) is None  # the first failure has left the window


def test_a_right_password_clears_the_account_but_not_the_address():
    throttle = LoginThrottle(LoginLimits(max_per_account=5, max_per_address=20))
    for i in range(5):
        throttle.failed("bob", "10.0.0.9", now=float(i))
    throttle.succeeded("bob")
    assert throttle.retry_after("bob", None, now=10.0) is None
    for i in range(15):
        throttle.failed(f"user{i}", "10.0.0.9", now=10.0)
    assert throttle.retry_after("someone", "10.0.0.9", now=11.0) == 889  # 20 failures from the address


def test_an_address_may_fail_20_times():
    window = FailureWindow(20, 900)
    for _ in range(19):
        window.fail("10.0.0.1", now=0.0)
    assert window.retry_after("10.0.0.1", now=1.0) is None
    window.fail("10.0.0.1", now=1.0)
    assert window.retry_after("10.0.0.1", now=1.0) == 899


def test_the_public_rate_allows_60_a_minute_and_refills_one_per_second():
    limiter = RateLimiter(60)
    assert all(limiter.hit("1.2.3.4", now=0.0) is None for _ in range(60))
    assert limiter.hit("1.2.3.4", now=0.0) == 1
    assert limiter.hit("5.6.7.8", now=0.0) is None  # per address
    assert limiter.hit("1.2.3.4", now=1.0) is None  # one token back after a second
    assert limiter.hit("1.2.3.4", now=1.0) == 1


def test_memory_is_bounded_by_dropping_the_oldest_keys():
    window = FailureWindow(5, 900, max_keys=3)
    for key in "abcd":
        window.fail(key, now=0.0)
    assert window.retry_after("a", now=0.0) is None and len(window._failures) == 3


def test_attempts_count_as_failures_from_the_start_so_concurrent_ones_cannot_slip_through():
    throttle = LoginThrottle(LoginLimits())
    started = [throttle.attempt("carol", "10.0.0.2", now=0.0) for _ in range(6)]
    assert started[:5] == [None] * 5 and started[5] == 900
    throttle.succeeded("carol", "10.0.0.2", 0.0)  # one proved right: the account is clear again
    assert throttle.attempt("carol", "10.0.0.2", now=1.0) is None
    assert len(throttle.addresses._failures["10.0.0.2"]) == 5
