"""Development keys, published on purpose so that a clone runs with no set-up.

Anything signed with them is forgeable by anyone who has read this file; production mode refuses
to start while any of them is configured (see ``CommonSettings.production_problems``).
"""

import functools

#: Ed25519 key pair of the gateway's internal identity token (gateway signs, services verify)
INTERNAL_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIOlDL8oqOKuNtfTHfPJdKT5JPYPxwTbHylMw91mE9dQe
-----END PRIVATE KEY-----
"""
INTERNAL_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA7K/Yw3rd+cUYPZ5kE2DmzCrs/zOCGnCp6FLK98wCRmA=
-----END PUBLIC KEY-----
"""

#: RSA key pair of the gateway's access tokens (RS256, published at /auth/jwks.json)
ACCESS_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDn6mR3JnADW++v
fCPTZJEayH52o6kAYQGRcpbRmAeFQ2OlnyOt6HJXP3tJB3JfNY9UXrDWJN/39/DP
f2Q20yIykeY3kQOdyPAy81p6FszOpGAFeNp8ov/+qMtFQ1+efr9G45lR3HZ6XRHt
1X0UBWVliyhsn0k0awfGHteRARXUdx+97lEt4kmjlMBNU8blOaGap8XpkTccCsqr
whbSywWhxxESuWtAJq5TzFRXvs+qet0cm45sHeINcIgY0kBszid/51+yqZ4q7j/y
AkygDFk3MzBzDqUYcD3g1XphkM5kblviUoh6nHvdsN7vGcU39bdFdDJ0+fyFYG/b
K62CQJA/AgMBAAECggEAB4HW4xMMLqbtZj0yIvZjhM+Fwqc2rade9OWhbDGmNWZ/
mFwsPDoE87JuAcW5wbP2gfs0iGicFH50WvG1d6sLEof/QOMKSjNx3rRarQ7iyxCL
dtBtmW4qbieM/mSfMwo9H5ZUU9uBSNwBrak8O0d/+60jVX3m3RrLTaCwgPeukk/e
5wPjUialO+2DU4yMPO2RYKCyyCkDtUxNeKUVD4ePp9xrHSQ08OtJCqtVpaY0nMTP
oQRNJoGLvXDg8t1alylDEW7wQvWPxHal3yKePwU3QjktI17982u2mzh4V0S+sBC8
rL5uvo51oYWg0O93qHYmfSKPZ4AvTALp6A1ohqQwAQKBgQD2sKyJPejjstT32XNn
RvEeurhTz5U06aJ7S98ZuYwsF84oOoGyBFyoFGuKgXZV36UHbnlSdJTbmpj0DxaO
qT+JZf8mECctHKzjjcNrDSzUGP7gukE/IXzCBqLAaKcUEQvPWchTP/l5J9RVAiqI
uwOQOYVUpg4LAuYVgXn+Z5bzPwKBgQDwqvqACL+5tJB7W5Tspfa/HwxvMIUQWsbC
GJReOHUYzAD5xRR0mZQqY4jE+q2RN3zXK8XHhROBQuTC48MFu7hi41c23Ff8s/br
tc38JKp03K6NZV6SWBPi7NPHFI73RBibwbyDWVbxVfvZyUToVV3f6hsqLOA9nnho
/+i6dpgjAQKBgFcJwOZvXIMyLqgAJhKTWjGgabbQb/GKWVStUVsPN2C7SXayJd58
YYDAK61jvi/QR7bWiKHKFldhNYQu6qONHajJvvtcCaaGDo3/D6rurBltdEgwDyNK
Gm2Oz8+ZXRHcbdFL+T0+PjQ8FFOl/wHdEgXJ9bwHFr9V135Q/4z+WakbAoGBAKQE
YmQPklqFbFIlwADnupnWFytP7d+PfhWZmsP7xhH4NlICtkYgxJF+9B8KmG93WWVr
N4cacoiNhkor3yVxIeCC/1UsJera21UYuiE0+9ZY77z9cM5bqHHm5Q2wPR7XEc5U
4pzBrjcbWmC6gnO0eh239ntvygM0lOs6POmXGWgBAoGBALHsnzUHWa4Uq/EcWvzt
EHitEyl8D888BoqeYq0v3q9lToHQjuUH0cyuImgv+wBvuASsXxqTqn0jNWEDFnuI
pCluQaoW7HjwFq+2d2vGjYUk7AKhhuhpX/Jk1nr8sdhFi/lyEGTMf2jLMYt4sVK8
I20cqszyrOR3798WW66h3GOx
-----END PRIVATE KEY-----
"""
ACCESS_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5+pkdyZwA1vvr3wj02SR
Gsh+dqOpAGEBkXKW0ZgHhUNjpZ8jrehyVz97SQdyXzWPVF6w1iTf9/fwz39kNtMi
MpHmN5EDncjwMvNaehbMzqRgBXjafKL//qjLRUNfnn6/RuOZUdx2el0R7dV9FAVl
ZYsobJ9JNGsHxh7XkQEV1Hcfve5RLeJJo5TATVPG5TmhmqfF6ZE3HArKq8IW0ssF
occRErlrQCauU8xUV77PqnrdHJuObB3iDXCIGNJAbM4nf+dfsqmeKu4/8gJMoAxZ
NzMwcw6lGHA94NV6YZDOZG5b4lKIepx73bDe7xnFN/W3RXQydPn8hWBv2yutgkCQ
PwIDAQAB
-----END PUBLIC KEY-----
"""

#: personal data at rest (jiceng_shared.personaldata): a 16-byte SM4 key, and the HMAC-SM3 key of
#: the look-up hashes
PERSONAL_DATA_KEYS = "dev1:amljZW5nLWRldi1zbTQtaw=="
PERSONAL_DATA_KEY_ID = "dev1"
PERSONAL_DATA_LOOKUP_KEY = "amljZW5nLWRldmVsb3BtZW50LWxvb2t1cC1rZXk="

#: passwords and secrets of the demo data
DEMO_PASSWORD = "demo"

#: TOTP secret (RFC 6238, base32) of the demo administrative accounts: their second factor in
#: development and tests (any authenticator app, or ``pyotp.TOTP(DEMO_TOTP_SECRET).now()``)
DEMO_TOTP_SECRET = "JICENGDEMOTOTPSECRETJICENGDEMO22"


#: per account, the last demo TOTP step handed out by :func:`demo_totp` in this process
_DEMO_STEPS: dict[str, int] = {}


def demo_totp(username: str, steps: dict[str, int] | None = None) -> str:
    """A demo TOTP code for ``username`` that the gateway has not seen yet: a code counts once (RFC
    6238 §5.2), so a second login within the same 30 s takes the next step's code (accepted as
    drift), and a third waits until that step is the current one. ``steps`` remembers what was
    handed out (per gateway, in tests that run several; one per process otherwise)."""
    import time

    import pyotp

    steps = _DEMO_STEPS if steps is None else steps
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    current = int(time.time()) // totp.interval
    step = max(current, steps.get(username, current - 1) + 1)
    if step > current + 1:  # wait until the step before it is the current one
        time.sleep((step - 1) * totp.interval - time.time() + 0.05)
    steps[username] = step
    return totp.generate_otp(step)


def demo_login_form(
    username: str, password: str = DEMO_PASSWORD, steps: dict[str, int] | None = None
) -> dict[str, str]:
    """The password-grant form of a demo user, with an unused demo second factor for the accounts
    the demo seed enrols: for tests, benchmarks and scripts against a development stack.

    Only those accounts get a code: codes are handed out once per step, so a third login of an
    account within 30 s waits for the next step, and accounts without a second factor need not."""
    form = {"grant_type": "password", "username": username, "password": password}
    if enrolled_by_the_demo_seed(username):
        form["totp"] = demo_totp(username, steps)
    return form


@functools.cache
def enrolled_by_the_demo_seed(username: str) -> bool:
    """Whether the demo seed gives ``username`` the demo second factor: the demo accounts of
    privileged roles, which are the county's and named after their role in every county
    (``jiceng_shared.demo``: ``county_admin``, ``auditor``, ...)."""
    from jiceng_shared.policy import load_policy

    return any(role.privileged and name == username for name, role in load_policy().roles.items())
