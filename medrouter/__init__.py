"""medrouter: a medical assistant built from small fine-tuned experts behind an embedding router."""
from .assistant import Answer, Assistant
from .config import Settings, load_config
from .errors import MedrouterError

__all__ = ["Answer", "Assistant", "MedrouterError", "Settings", "load_config"]
__version__ = "0.1.0"
