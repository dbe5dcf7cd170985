
C
civ-2023-0001P0001"
etat-civil* ç 2

birth_date	2ç