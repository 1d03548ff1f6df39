"""The auditors' portal: a static, offline site of one commit's reports, drawn from the same
facts and report jobs as the PDFs, with a manifest of every file that can be signed."""
