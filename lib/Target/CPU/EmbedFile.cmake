# Writes the text of IN as a C++ raw string literal to OUT.
file(READ ${IN} content)
file(WRITE ${OUT} "R\"KILN_EMBED(${content})KILN_EMBED\"")
