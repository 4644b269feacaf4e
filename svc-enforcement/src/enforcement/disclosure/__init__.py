"""Public disclosure (执法公示) of decisions (行政处罚法 art. 48; 国办发〔2018〕118号)."""
