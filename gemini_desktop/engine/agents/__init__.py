"""Agent profiles (what differs between ACP agents: profiles.py), finding their programs (locate.py) and
installing them (install.py); the engine is one ACP client for all of them."""
