
_
civ-1987-0021P0021H020"
etat-civil*€Â¯ð2
arrondissement2

birth_date	2Ã