"""The county workspace's rules: who sees what (scope), the figures of the pages
(set-based, so a county of 1,319 teams renders in one go), spot checks and assessment
sheets, and the county workbook. Pages and words live in web/."""
