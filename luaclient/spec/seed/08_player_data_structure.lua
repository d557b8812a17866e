local playerData = {
    stats = {
        level = 1,
        xp = 0,
        health = 100,
        maxHealth = 100
    },
    inventory = {
        items = {},
        capacity = 20
    },
    achievements = {
        unlockedIds = {},
        points = 0
    },
    settings = {
        musicVolume = 1,
        sfxVolume = 1
    }
}
