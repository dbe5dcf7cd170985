
_
civ-1942-0010P0010H010"
etat-civil*€Â¯ð2
arrondissement2

birth_date	2–