
_
civ-1955-0011P0011H011"
etat-civil*€Â¯ð2
arrondissement2

birth_date	2£