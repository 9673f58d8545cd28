"""medrouter.core: the bottom layer every package stands on.

errors (typed, with messages a user can act on), config (the one schema, composing each package's
section model), models (where the base LM and the shared embedding model come from, loaded once),
checks (request text), atomic (writes that never leave half a file), cli (what every package's
subcommands share). Nothing here imports torch or transformers at import time, and nothing here
imports the app: `import router` stays cheap.
"""
