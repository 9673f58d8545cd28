"""training/ makes adapters: multi-task SFT through trl + peft, with HF-compliant artifacts."""
