"""Authentication backends: django-axes' lockout check in front of Django's own password check."""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuse a login while its name or its address is locked out (django-axes); authenticates no one itself.

    Every login over HTTP (our login page, the admin's) passes the request, and axes counts and locks
    by it. A login without a request — Django's test client `login()`, a shell — has no address and
    cannot be guessed at over the network; axes would raise for it, so it is let through to the next
    backend (axes' documentation suggests exactly this kind of subclass).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
