"""The ASGI and WSGI callables the package wraps, for type checkers."""
from typing import Any, Awaitable, Callable, Iterable, MutableMapping, Optional

#: An ASGI connection scope.
Scope = MutableMapping[str, Any]
#: An ASGI event, sent or received.
Message = MutableMapping[str, Any]
#: What an ASGI app awaits for the next event.
Receive = Callable[[], Awaitable[Message]]
#: What an ASGI app awaits to send an event.
Send = Callable[[Message], Awaitable[None]]
#: An ASGI application.
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: A WSGI environment.
Environ = MutableMapping[str, Any]
#: WSGI's ``start_response(status, headers, exc_info=None)``.
StartResponse = Callable[..., Optional[Callable[[bytes], object]]]
#: A WSGI application.
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
