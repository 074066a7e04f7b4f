"""``orderview serve``: an SSH server (asyncssh) that runs the app for operators who prove who
they are with a key. See docs/serving.md; the modules:

- ``operators``: the operators file (names, roles, keys) and its checks;
- ``hostkey``: the server's own key, made on first start;
- ``exec_policy``: which command lines an exec request may run (orderview's, never a shell);
- ``zygote``: the pre-imported parent each session's process is forked from;
- ``server``: authentication, limits, and the relay between an SSH channel and a session.
"""
