"""Domain entities and value objects: the patient profile, the assessment and the fact registry."""
