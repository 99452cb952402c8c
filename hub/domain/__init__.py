"""The rules of the work, knowing nothing of GraphQL or SQL.

``access`` (viewers, roles, masking of personal data), ``filters`` (spatial and attribute filters,
pages), ``roster`` (who is on shift when), ``locate`` (what lies at a point), ``stats`` (the
district's figures, computed from records), ``grading`` (property-company credit grades).
"""
