
_
civ-1985-0020P0020H020"
etat-civil*€Â¯ð2
arrondissement2

birth_date	2Á		