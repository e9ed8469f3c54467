"""The rules engine: facts from profiles, three-valued conditions, rules, assessments."""
